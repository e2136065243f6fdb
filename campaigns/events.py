"""Events the campaigns app publishes; each part of the app declares its own here."""
