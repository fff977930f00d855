# -*- coding: utf-8 -*-
# Copyright: Contributors to the graphops.directory collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Stand-in for the get-pip bootstrapper that ansible-test downloads, for machines that only reach PyPI.

ansible-test creates its sanity virtual environments without pip and runs this file with the pip
version it wants. ensurepip runs in a child process: run in-process it points PIP_CONFIG_FILE at
/dev/null, which would hide the machine's pip configuration from the install that follows.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess
import sys

DROPPED = ("--no-setuptools", "--no-wheel")


def main():
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
    args = [arg for arg in sys.argv[1:] if arg not in DROPPED]
    if args:
        subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)


if __name__ == "__main__":
    main()
