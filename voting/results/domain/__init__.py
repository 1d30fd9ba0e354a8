"""The pure core of results: counting methods, tie chains, award policies, uncertainty, snapshots."""
