"""Capture: what a database holds at one moment, normalized per engine, kept in memory or on disk, and
digested so that unchanged tables are not read again."""
