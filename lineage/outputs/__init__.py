"""What lineage writes for people and other tools: terminal text, HTML views, exchange formats."""
