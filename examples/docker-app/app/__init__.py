"""The example REST app: a small item catalogue that migrates its database when it starts."""
