"""Android inputs: one reader per kind of input (AndroidQF, bugreport, dumpsys, `pm list packages`,
getprop, settings, ps), all filling one `AndroidDevice`, and the checks run on it (checks.py)."""
