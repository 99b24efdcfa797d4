"""The replay of the official sites: a loopback HTTP server, its fault switches and content."""
