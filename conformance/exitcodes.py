"""The command's exit codes (documented in the README); distinct so CI can tell them apart."""

OK = 0  # every required check passed and nothing failed
FAILED = 1  # at least one check failed (or a required check was unsupported or ignored)
USAGE = 2  # bad command line or configuration
UNREACHABLE = 3  # the target did not answer at all
NOT_JUDGED = 4  # nothing failed, but some checks could not be judged (harness or transport errors)
INTERRUPTED = 130  # stopped by the user; what was done is written, marked incomplete
