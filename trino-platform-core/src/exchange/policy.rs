//! The two policy documents of an exchange bucket: the bucket policy `ensure` puts on it, and the
//! least-privilege IAM policy the Trino pods' role needs (for the platform's IAM tooling to
//! attach; trino-platform does not manage IAM).

use serde_json::{Value, json};

use super::spec::{Encryption, ExchangeBucketSpec};
use crate::error::Result;

/// Bucket-level actions the exchange manager performs.
const BUCKET_ACTIONS: [&str; 3] = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"];
/// Object-level actions the exchange manager performs (reads, writes via multipart upload,
/// cleanup).
const OBJECT_ACTIONS: [&str; 5] =
    ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"];

/// Sid of the statement that denies every request not made over TLS.
pub const DENY_INSECURE_TRANSPORT_SID: &str = "DenyInsecureTransport";

/// The bucket policy for the spec's bucket:
///
/// - `DenyInsecureTransport` (unless `requireTls: false`): deny `s3:*` on the bucket and its
///   objects to everyone when `aws:SecureTransport` is `false` (plain HTTP);
/// - with `principals`: `AllowWorkspaceRoles` grants those roles the exchange's actions (needed
///   across accounts; same-account roles also need the IAM policy of
///   [`trino_iam_policy`]), and `DenyOtherPrincipals` denies those data actions to every
///   principal whose ARN is not one of them.
///
/// Configuration actions (tagging, lifecycle, policy) are not denied, so the operator keeps
/// managing the bucket; `teardown` removes the policy before deleting objects.
///
/// Returns `None` when there is nothing to put in it (`requireTls: false` and no principals):
/// the bucket then has no policy. Fails with `InvalidInput` when the spec is invalid.
pub fn bucket_policy(spec: &ExchangeBucketSpec) -> Result<Option<Value>> {
    spec.validate()?;
    let bucket_arn = spec.bucket_name()?.arn(spec.partition());
    let objects_arn = format!("{bucket_arn}/*");
    let mut statements = Vec::new();
    if spec.require_tls {
        statements.push(json!({
            "Sid": DENY_INSECURE_TRANSPORT_SID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, objects_arn],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }));
    }
    if !spec.principals.is_empty() {
        let roles: Vec<&str> = spec.principals.iter().map(|r| r.as_str()).collect();
        let data_actions: Vec<&str> = BUCKET_ACTIONS.iter().chain(OBJECT_ACTIONS.iter()).copied().collect();
        statements.push(json!({
            "Sid": "AllowWorkspaceRoles",
            "Effect": "Allow",
            "Principal": {"AWS": roles},
            "Action": data_actions,
            "Resource": [bucket_arn, objects_arn],
        }));
        statements.push(json!({
            "Sid": "DenyOtherPrincipals",
            "Effect": "Deny",
            "Principal": "*",
            "Action": data_actions,
            "Resource": [bucket_arn, objects_arn],
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": roles}},
        }));
    }
    Ok((!statements.is_empty()).then(|| json!({"Version": "2012-10-17", "Statement": statements})))
}

/// The least-privilege IAM policy the Trino nodes' role needs for the exchange bucket: list and
/// locate the bucket and its multipart uploads, read, write, delete and abort uploads of its
/// objects, and, with SSE-KMS, `kms:GenerateDataKey` and `kms:Decrypt` on the key (the key ARN
/// when the spec names one; otherwise any key, only through S3 in the bucket's region).
///
/// Fails with `InvalidInput` when the spec is invalid.
///
/// ```
/// use trino_platform::exchange::{ExchangeBucketSpec, trino_iam_policy};
///
/// let spec = ExchangeBucketSpec::from_yaml("workspace: acme\nregion: eu-central-1\n")?;
/// let policy = trino_iam_policy(&spec)?;
/// assert_eq!(policy["Statement"][1]["Resource"], "arn:aws:s3:::trino-exchange-acme/*");
/// # Ok::<(), trino_platform::Error>(())
/// ```
pub fn trino_iam_policy(spec: &ExchangeBucketSpec) -> Result<Value> {
    spec.validate()?;
    let bucket_arn = spec.bucket_name()?.arn(spec.partition());
    let mut statements = vec![
        json!({"Sid": "ExchangeBucket", "Effect": "Allow", "Action": BUCKET_ACTIONS, "Resource": bucket_arn}),
        json!({"Sid": "ExchangeObjects", "Effect": "Allow", "Action": OBJECT_ACTIONS, "Resource": format!("{bucket_arn}/*")}),
    ];
    if let Encryption::SseKms { kms_key_id } = &spec.encryption {
        let actions = ["kms:Decrypt", "kms:GenerateDataKey"];
        if kms_key_id.is_key_arn() {
            statements.push(
                json!({"Sid": "ExchangeKmsKey", "Effect": "Allow", "Action": actions, "Resource": kms_key_id.as_str()}),
            );
        } else {
            statements.push(json!({
                "Sid": "ExchangeKmsKey",
                "Effect": "Allow",
                "Action": actions,
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": format!("s3.{}.amazonaws.com", spec.signing_region())}},
            }));
        }
    }
    Ok(json!({"Version": "2012-10-17", "Statement": statements}))
}

/// Whether two policy documents say the same, ignoring whitespace, key order and the
/// difference between `"x"` and `["x"]` (AWS may hand back either).
pub(crate) fn policies_equal(a: &Value, b: &Value) -> bool {
    normalize(a) == normalize(b)
}

fn normalize(value: &Value) -> Value {
    match value {
        Value::Array(items) if items.len() == 1 => normalize(&items[0]),
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), normalize(v))).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> ExchangeBucketSpec {
        ExchangeBucketSpec::from_yaml(yaml).unwrap()
    }

    #[test]
    fn insecure_transport_is_denied_for_everything() {
        let policy = bucket_policy(&spec("workspace: acme\nregion: us-east-1\n")).unwrap().unwrap();
        let statements = policy["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 1);
        let deny = &statements[0];
        assert_eq!(deny["Effect"], "Deny");
        assert_eq!(deny["Principal"], "*");
        assert_eq!(deny["Action"], "s3:*");
        assert_eq!(deny["Condition"]["Bool"]["aws:SecureTransport"], "false");
        assert_eq!(deny["Resource"], json!(["arn:aws:s3:::trino-exchange-acme", "arn:aws:s3:::trino-exchange-acme/*"]));
    }

    #[test]
    fn principals_limit_data_access() {
        let policy = bucket_policy(&spec(
            "workspace: acme\nregion: cn-north-1\nprincipals: ['arn:aws-cn:iam::111122223333:role/acme-trino']\n",
        ))
        .unwrap()
        .unwrap();
        let deny = &policy["Statement"][2];
        assert_eq!(
            deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"],
            json!(["arn:aws-cn:iam::111122223333:role/acme-trino"])
        );
        assert_eq!(deny["Resource"][0], "arn:aws-cn:s3:::trino-exchange-acme");
        assert!(!deny["Action"].as_array().unwrap().iter().any(|a| a == "s3:PutBucketPolicy"));
    }

    #[test]
    fn without_tls_requirement_or_principals_there_is_no_policy() {
        assert_eq!(
            bucket_policy(&spec("workspace: a\nendpoint: http://minio:9000\nrequireTls: false\n")).unwrap(),
            None
        );
        let only_roles = bucket_policy(&spec(
            "workspace: a\nendpoint: http://minio:9000\nrequireTls: false\nprincipals: ['arn:aws:iam::111122223333:role/r']\n",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(only_roles["Statement"][0]["Sid"], "AllowWorkspaceRoles");
    }

    #[test]
    fn kms_statement_follows_the_key_form() {
        let arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let with_arn = trino_iam_policy(&spec(&format!(
            "workspace: a\nregion: us-east-1\nencryption: {{type: sse-kms, kmsKeyId: '{arn}'}}\n"
        )))
        .unwrap();
        assert_eq!(with_arn["Statement"][2]["Resource"], arn);
        let with_alias = trino_iam_policy(&spec(
            "workspace: a\nregion: us-east-1\nencryption: {type: sse-kms, kmsKeyId: alias/x}\n",
        ))
        .unwrap();
        assert_eq!(
            with_alias["Statement"][2]["Condition"]["StringEquals"]["kms:ViaService"],
            "s3.us-east-1.amazonaws.com"
        );
    }

    #[test]
    fn equality_ignores_representation() {
        let a = json!({"Statement": [{"Action": ["s3:*"], "Effect": "Deny"}]});
        let b: Value = serde_json::from_str(r#"{ "Statement": { "Effect": "Deny", "Action": "s3:*" } }"#).unwrap();
        assert!(policies_equal(&a, &b));
        assert!(!policies_equal(&a, &json!({"Statement": [{"Action": "s3:*", "Effect": "Allow"}]})));
    }
}
