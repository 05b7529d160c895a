# The lab's stand-in for the awscli-cwlogs plugin's package (cwlogs): where Amazon Linux's awslogs package puts
# the agent, in the site-packages of the Python it runs on. The daemon itself is the lab agent (/usr/sbin/awslogsd).
__version__ = '1.4.0'
