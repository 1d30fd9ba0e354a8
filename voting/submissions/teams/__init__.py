"""Hackathon teams: formed by a participant, joined by a mailed invitation, left while entries are taken."""
