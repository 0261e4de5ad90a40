"""The command-line shell: parses options, asks for secrets, prints results. No domain logic here."""
