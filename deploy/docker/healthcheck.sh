#!/bin/bash
# Container health probe without curl: GET /healthz over bash's /dev/tcp; healthy on status 200.
# Plain HTTP on the loopback address, so it needs SFU_LISTEN_IP to include 127.0.0.1 (the default
# 0.0.0.0 or ::) and no --tls-cert; otherwise replace the HEALTHCHECK in deploy/Dockerfile.
set -u
port=${SFU_HTTP_PORT:-8080}
exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
read -r -t 3 _ status _ <&3 || exit 1
[[ $status == 200 ]]
