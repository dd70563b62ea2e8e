"""Non-interactive front ends: the plain transcript and the JSONL trace."""
