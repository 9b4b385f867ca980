"""The lab demo (README command 1) runs green and says what it shows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import skygate_build_dir

LAB = Path(__file__).resolve().parents[2] / "lab" / "demo.py"


@pytest.mark.netns
@pytest.mark.requires("frr", "bird")
def test_lab_demo_runs_and_cleans_up(skygate_bin):
    skygate_bin("skygate-routed")  # fails clearly if not built
    proc = subprocess.run([sys.executable, str(LAB), "--build", str(skygate_build_dir())],
                          capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert "3 received, 0% packet loss" in out
    # The gateway speaks BGP to both sides and passes routes across.
    assert "192.0.2.1                 4      64512" in out
    assert "198.51.100.1              4      64513" in out
    assert "198.19.20.0/24       192.0.2.2        64520 64513 *" in out
    assert "198.18.10.0/24       unicast [skygate" in out
    assert "FRR and BIRD both learned 198.18.0.0/15 from AS 64520" in out
    assert "      network 198.18.0.0/15\n" in out
    assert "previous kept as routed.conf.bak" in out
    # Route approval: the new on-prem prefix waits, then reaches the cloud.
    assert "pending   198.18.11.0/24           192.0.2.1" in out
    assert "BIRD (cloud) does not have 198.18.11.0/24: pending routes are not advertised" in out
    assert "BIRD (cloud) learned 198.18.11.0/24 from AS 64520 once approved" in out
    assert "approved  198.18.11.0/24           192.0.2.1" in out
    # Traffic between the workloads follows the routes skygate installed.
    assert "gw# ip route show proto 211:  198.18.10.0/24 via 192.0.2.1" in out
    assert "198.18.10.1 -> 198.19.20.1: 3 packets transmitted, 3 received, 0% packet loss" in out
    # The AWS-style VPN: two IKE-keyed tunnels, BGP over each, ECMP, and
    # the approved on-prem routes advertised through them.
    assert "gw: tunnel aws1 203.0.113.1 -> 203.0.113.10, IKE up" in out
    assert "gw: tunnel aws2 203.0.113.1 -> 203.0.113.11, IKE up" in out
    assert "gw: 198.19.30.0/24 via 169.254.41.2 dev aws1 and 169.254.42.2 dev aws2 (ECMP)" in out
    assert "vpc learned 198.18.10.0/24 (AS path 64520 64512) over both tunnels" in out
    assert "198.18.10.1 -> 198.19.30.1: 3 packets transmitted, 3 received, 0% packet loss" in out
    esp = re.search(r"vpc: (\d+) replies sent through the tunnels as ESP", out)
    assert esp is not None and int(esp.group(1)) >= 3, out
    assert "the VPC does not have 198.18.11.0/24 either" in out
    assert "the VPC learned 198.18.11.0/24 over both IPsec tunnels once approved" in out
    assert "skygate-routed exited with status 0 (clean); routes left in the gateway's kernel: 0" in out
