"""Appeals of rejected requests (issue 18; docs/committee-review.md, "Appeals")."""
