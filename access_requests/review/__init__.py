"""The committee review of access requests: assignments, votes, recusals, requests for
changes and decisions (docs/committee-review.md). The models stay in
access_requests/models.py beside the request they review."""
