# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the AWS connection options shared by every logsafe.aws module."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  region:
    description:
      - The AWS region of the bucket, for example V(eu-west-1).
      - If not set, the E(AWS_REGION) or E(AWS_DEFAULT_REGION) environment variable is used, then the region
        of the AWS profile. The module fails when none is set.
      - When S3 rejects the read of a setting with C(MethodNotAllowed) or C(NotImplemented), which it returns
        for a feature that the region or endpoint lacks, a task that sets that setting fails before any write,
        naming the region and the setting.
    type: str
    aliases: [aws_region]
  endpoint_url:
    description:
      - URL of the AWS API endpoint to use instead of the public one, for example a VPC endpoint, or a local
        test endpoint such as V(http://127.0.0.1:5000).
      - If not set, the E(AWS_ENDPOINT_URL) environment variable is used.
    type: str
    aliases: [aws_endpoint_url]
  profile:
    description:
      - Name of the AWS profile to use from the shared config and credentials files.
      - If not set, botocore reads E(AWS_PROFILE). A profile set here takes precedence over credentials
        in the environment.
      - Profiles with SSO, C(credential_process), C(role_arn) and web identity work as they do in the AWS CLI.
    type: str
    aliases: [aws_profile]
  access_key:
    description:
      - AWS access key id. Give it together with O(secret_key).
      - If not set, botocore's credential chain is used, in this order of precedence - E(AWS_ACCESS_KEY_ID)
        and E(AWS_SECRET_ACCESS_KEY) (with E(AWS_SESSION_TOKEN) or E(AWS_SECURITY_TOKEN)), the profile,
        web identity, ECS container credentials and the EC2 instance role.
    type: str
    aliases: [aws_access_key_id]
  secret_key:
    description:
      - AWS secret access key. Give it together with O(access_key). It is never logged or returned.
    type: str
    aliases: [aws_secret_access_key]
  session_token:
    description:
      - AWS session token, for temporary credentials given in O(access_key) and O(secret_key).
        It is never logged or returned.
    type: str
    aliases: [aws_session_token]
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the endpoint. Turn it off only for a local test endpoint.
    type: bool
    default: true
  ca_bundle:
    description:
      - Path of a PEM file with the certificate authorities to trust for the endpoint, for example a TLS-inspecting
        proxy's CA. If not set, E(AWS_CA_BUNDLE) is used, then botocore's bundled certificates.
    type: path
  proxies:
    description:
      - HTTP proxies for the requests, by scheme. If not set, botocore uses E(HTTPS_PROXY), E(HTTP_PROXY) and
        E(NO_PROXY) from the environment.
    type: dict
    suboptions:
      http:
        description: Proxy URL for C(http://) endpoints.
        type: str
      https:
        description: Proxy URL for C(https://) endpoints, for example V(http://proxy.example.com:3128).
        type: str
  connect_timeout:
    description: Seconds to wait for a connection to the endpoint.
    type: int
    default: 10
  read_timeout:
    description: Seconds to wait for a response on an open connection.
    type: int
    default: 60
  role_arn:
    description:
      - ARN of an IAM role to assume with STS C(AssumeRole) before any other request, for example the role of
        another account. The credentials found as described above are the ones that assume it.
      - The temporary credentials live only as long as the module run, and are never returned.
    type: str
  role_session_name:
    description: Session name of the assumed role, shown in CloudTrail.
    type: str
    default: logsafe-aws
  external_id:
    description: External id that the trust policy of O(role_arn) requires, if any. It is never logged.
    type: str
notes:
  - Requests are retried by botocore in its C(standard) retry mode (throttling, 5xx answers, timeouts), and
    C(OperationAborted) answers are retried by the module with jittered exponential backoff.
  - The modules run on the host that talks to AWS, usually C(localhost). Set C(ansible_python_interpreter) to
    V({{ ansible_playbook_python }}) there, or install boto3 for the interpreter that runs the module.
requirements:
  - python >= 3.9
  - boto3 >= 1.35.32
  - botocore >= 1.35.32
"""
