#!/bin/sh
# The lab key, mounted read-only by docker-compose.yml, for root and ec2-user.
cat /etc/lab/authorized_keys
