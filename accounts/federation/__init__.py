"""Federated sign-in (OpenID Connect through django-allauth) and the GA4GH visas people
bring with them. docs/identity.md explains the flow; docs/adr/0013 the choice of library.

- dac_portal.federation_settings: OIDC_PROVIDERS and the visa trust list, checked.
- provider, id_tokens: allauth's OpenID Connect provider with a nonce and an ID token that
  is always verified against the provider's JWKS.
- visas: verifying a passport's visas against the trust list.
- claims: what the portal reads from the claims (institution domain, ORCID iD, MFA).
- adapter: allauth's hooks, where refusals are audited and accounts are made.
- services: the audited state changes (sign-in, account made, link, unlink, domain mapped).
"""
