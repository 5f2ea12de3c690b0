"""Runs tap-salesforce (its console-script entry point, same argv) with its hard-coded
https://login.salesforce.com token URL, and any https URL of the emulator, redirected to the
sf-emulator's http URL ($SF_EMULATOR_URL). Usage: python tap_salesforce_launch.py <tap args>"""
import os
import sys
from importlib.metadata import entry_points

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import https_redirect  # noqa: E402

https_redirect.patch_all_sessions(os.environ["SF_EMULATOR_URL"])
main = entry_points(group="console_scripts")["tap-salesforce"].load()
sys.argv[0] = "tap-salesforce"
sys.exit(main())
