"""This computer: spying, monitoring and remote-access tools among its running programs, start-up entries
and installed software, on Windows, macOS and Linux. Entry point: `checks.check_computer`."""
