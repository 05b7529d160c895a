# An Amazon Linux 2 host for docker-compose.yml: systemd, sshd, ec2-user with password-less sudo.
FROM amazonlinux:2
RUN yum install -y systemd openssh-server sudo shadow-utils && yum clean all \
 && useradd -m ec2-user && echo 'ec2-user ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/ec2-user \
 && mkdir -p /var/lib/cloud/data && systemctl enable sshd
COPY src/lab/docker/authorized-keys.sh /usr/local/sbin/authorized-keys.sh
RUN chmod 755 /usr/local/sbin/authorized-keys.sh \
 && printf 'AuthorizedKeysCommand /usr/local/sbin/authorized-keys.sh\nAuthorizedKeysCommandUser root\n' >> /etc/ssh/sshd_config
CMD ["/bin/sh", "-c", "head -c8 /dev/urandom | od -An -tx1 | tr -d ' \\n' | sed 's/^/i-0/' | cut -c1-19 > /var/lib/cloud/data/instance-id; exec /usr/sbin/init"]
