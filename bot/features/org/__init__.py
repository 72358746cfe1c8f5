"""The commune's organisation: villages, groups, team members."""
