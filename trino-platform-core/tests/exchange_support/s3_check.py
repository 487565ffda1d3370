"""An independent S3 client (boto3) for the exchange tests: reads a bucket's configuration back,
changes it by hand (drift), seeds objects and uploads, and tries a write over plain HTTP.

Usage: s3_check.py COMMAND BUCKET [ARGS]; endpoint and credentials come from TP_TEST_S3_ENDPOINT
and the AWS_* variables. Prints one JSON document on stdout.

Commands:
  read BUCKET                      every configuration, as S3 returns it (null when absent)
  inventory BUCKET                 counts of object versions, delete markers and open uploads
  drift BUCKET                     delete the lifecycle and policy, turn off BlockPublicPolicy
  seed BUCKET N [VERSIONED]        N objects (16 threads), one open multipart upload, and with
                                   VERSIONED=1 versioning on, 10 overwrites and 5 delete markers;
                                   the bucket policy is lifted while writing and put back (see
                                   below)
  foreign BUCKET                   create a bucket tagged owner=someone-else holding one object
  plain-http-put BUCKET            PutObject over http://; prints {"accepted": bool, "code": …}
  plain-http-control BUCKET        the same under a control policy that denies only TLS requests
                                   (aws:SecureTransport "true"), then the bucket's policy again:
                                   a store that evaluates the condition accepts this write

Why seed lifts the policy: moto evaluates bucket policies for object requests, but evaluates
only StringEquals conditions and takes every other condition (Bool, ArnNotLike) as met, so the
exchange policy's conditional denies (non-TLS, other principals) deny every object request there.
"""

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def client():
    return boto3.client(
        "s3",
        endpoint_url=os.environ["TP_TEST_S3_ENDPOINT"],
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"}),
    )


def optional(call, *absent):
    try:
        out = call()
        out.pop("ResponseMetadata", None)
        return out
    except ClientError as e:
        if e.response["Error"]["Code"] in absent:
            return None
        raise


def read(s3, bucket):
    policy = optional(lambda: s3.get_bucket_policy(Bucket=bucket), "NoSuchBucketPolicy")
    return {
        "location": optional(lambda: s3.get_bucket_location(Bucket=bucket)),
        "tags": optional(lambda: s3.get_bucket_tagging(Bucket=bucket), "NoSuchTagSet"),
        "encryption": optional(
            lambda: s3.get_bucket_encryption(Bucket=bucket), "ServerSideEncryptionConfigurationNotFoundError"
        ),
        "publicAccessBlock": optional(
            lambda: s3.get_public_access_block(Bucket=bucket), "NoSuchPublicAccessBlockConfiguration"
        ),
        "ownership": optional(lambda: s3.get_bucket_ownership_controls(Bucket=bucket), "OwnershipControlsNotFoundError"),
        "lifecycle": optional(
            lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket), "NoSuchLifecycleConfiguration"
        ),
        "policy": json.loads(policy["Policy"]) if policy else None,
        "policyStatus": optional(lambda: s3.get_bucket_policy_status(Bucket=bucket), "NoSuchBucketPolicy"),
    }


def inventory(s3, bucket):
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as e:
        if e.response["Error"]["Code"] in ("404", "NoSuchBucket", "NotFound"):
            return {"exists": False}
        raise
    versions = markers = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        versions += len(page.get("Versions", []))
        markers += len(page.get("DeleteMarkers", []))
    uploads = len(s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []))
    return {"exists": True, "versions": versions, "deleteMarkers": markers, "uploads": uploads}


def drift(s3, bucket):
    s3.delete_bucket_lifecycle(Bucket=bucket)
    s3.delete_bucket_policy(Bucket=bucket)
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True,
        },
    )
    return {"drifted": ["lifecycle", "policy", "publicAccessBlock"]}


class policy_lifted:
    """Removes the bucket policy for the block and puts it back afterwards."""

    def __init__(self, s3, bucket, replacement=None):
        self.s3, self.bucket, self.replacement = s3, bucket, replacement

    def __enter__(self):
        saved = optional(lambda: self.s3.get_bucket_policy(Bucket=self.bucket), "NoSuchBucketPolicy")
        self.saved = saved["Policy"] if saved else None
        if self.replacement is not None:
            self.s3.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps(self.replacement))
        elif self.saved is not None:
            self.s3.delete_bucket_policy(Bucket=self.bucket)

    def __exit__(self, *exc):
        if self.saved is not None:
            self.s3.put_bucket_policy(Bucket=self.bucket, Policy=self.saved)
        elif self.replacement is not None:
            self.s3.delete_bucket_policy(Bucket=self.bucket)


def seed(s3, bucket, count, versioned):
    with policy_lifted(s3, bucket):
        return seed_objects(s3, bucket, count, versioned)


def seed_objects(s3, bucket, count, versioned):
    def put(i):
        s3.put_object(Bucket=bucket, Key=f"query-{i % 7}/part-{i:05d}.data", Body=b"x" * 64)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, range(count)))
    upload = s3.create_multipart_upload(Bucket=bucket, Key="query-0/open-upload.data")
    s3.upload_part(Bucket=bucket, Key="query-0/open-upload.data", UploadId=upload["UploadId"], PartNumber=1, Body=b"y" * 1024)
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        for i in range(10):
            s3.put_object(Bucket=bucket, Key=f"query-{i % 7}/part-{i:05d}.data", Body=b"z" * 64)
        for i in range(10, 15):
            s3.delete_object(Bucket=bucket, Key=f"query-{i % 7}/part-{i:05d}.data")
    return inventory(s3, bucket)


def foreign(s3, bucket):
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "owner", "Value": "someone-else"}]})
    s3.put_object(Bucket=bucket, Key="precious.txt", Body=b"keep me")
    return inventory(s3, bucket)


def plain_http_put(s3, bucket):
    assert s3.meta.endpoint_url.startswith("http://"), s3.meta.endpoint_url
    try:
        s3.put_object(Bucket=bucket, Key="plain-http-probe.txt", Body=b"probe")
        s3.delete_object(Bucket=bucket, Key="plain-http-probe.txt")
        return {"accepted": True, "code": None}
    except ClientError as e:
        return {"accepted": False, "code": e.response["Error"]["Code"]}


def plain_http_control(s3, bucket):
    control = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenySecureTransportOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            }
        ],
    }
    with policy_lifted(s3, bucket, replacement=control):
        return plain_http_put(s3, bucket)


def main(argv):
    command, bucket, *rest = argv
    s3 = client()
    if command == "read":
        out = read(s3, bucket)
    elif command == "inventory":
        out = inventory(s3, bucket)
    elif command == "drift":
        out = drift(s3, bucket)
    elif command == "seed":
        out = seed(s3, bucket, int(rest[0]), len(rest) > 1 and rest[1] == "1")
    elif command == "foreign":
        out = foreign(s3, bucket)
    elif command == "plain-http-put":
        out = plain_http_put(s3, bucket)
    elif command == "plain-http-control":
        out = plain_http_control(s3, bucket)
    else:
        raise SystemExit(f"unknown command {command}")
    json.dump(out, sys.stdout, default=str)


if __name__ == "__main__":
    main(sys.argv[1:])
