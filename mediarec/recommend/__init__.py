"""Recommendations from the user's own history: profile (interests and aversions), "For you", reasons."""
