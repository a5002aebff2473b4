"""The command's exit codes (documented in the README); distinct so CI can tell them apart."""

OK = 0  # every required check passed and nothing failed
FAILED = 1  # at least one check failed (or a required check was unsupported or ignored)
USAGE = 2  # bad command line, configuration or input file (target file, baseline, recording)
UNREACHABLE = 3  # the target did not answer at all
NOT_JUDGED = 4  # nothing failed, but some checks could not be judged (harness or transport errors)
INTERNAL = 70  # a bug in oai-conformance itself (EX_SOFTWARE); the message asks for a report
INTERRUPTED = 130  # stopped by Ctrl-C (SIGINT); what was done is written, marked incomplete
TERMINATED = 143  # stopped by SIGTERM; as INTERRUPTED
