from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from guardian.admin import GuardedModelAdmin

from accounts.models import (
    ApiToken,
    Committee,
    CommitteeMembership,
    Institution,
    PortalRoleAssignment,
    User,
)


@admin.register(User)
class PortalUserAdmin(UserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "email", "institution", "is_active", "is_service_account")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Portal", {"fields": ("institution", "is_service_account", "orcid", "home_organization")}),
    )


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("name", "country", "type", "ror_id")
    search_fields = ("name", "ror_id")


@admin.register(Committee)
class CommitteeAdmin(GuardedModelAdmin):
    list_display = ("name", "slug", "voting_rule", "quorum", "review_target_days")


@admin.register(CommitteeMembership)
class CommitteeMembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    """Read-only: memberships change through services so that guardian permissions and the
    audit log follow."""

    list_display: tuple[str, ...] = ("committee", "user", "role", "since")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(PortalRoleAssignment)
class PortalRoleAdmin(CommitteeMembershipAdmin):
    list_display = ("user", "role", "institution", "since")


@admin.register(ApiToken)
class ApiTokenAdmin(CommitteeMembershipAdmin):
    list_display = (
        "user",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    exclude = ("token_hash",)
