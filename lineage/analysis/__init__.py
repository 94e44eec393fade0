"""Questions over the lineage network: projections to networkx, trace and path, and what
changed between two dates (diff)."""
