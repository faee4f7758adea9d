"""Offline stand-in for the get-pip.py script that ansible-test downloads to bootstrap pip.

ansible-test creates a virtual environment for each sanity test and fetches
get-pip.py from a host outside the package index. This script does the same job
with the standard library's ensurepip, so ansible-test works where only the
package index is reachable. `make sanity` copies it into ansible-test's cache.
"""

import subprocess
import sys

# Options of get-pip.py itself, which pip install does not know.
GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}

subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade"], check=True)
arguments = [argument for argument in sys.argv[1:] if argument not in GET_PIP_ONLY]
if arguments:
    subprocess.run([sys.executable, "-m", "pip", "install", *arguments], check=True)
