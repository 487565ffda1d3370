//! The S3 client: aws-sdk-s3 over rustls with the ring provider, credentials from the spec or the
//! AWS default chain, retries with backoff for transient errors, and the mapping of S3 failures
//! onto [`ErrorKind`].

use std::time::Duration;

use aws_sdk_s3::config::retry::{RetryConfig, RetryPartition, TokenBucket};
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region as SdkRegion, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use secrecy::ExposeSecret;

use super::spec::ExchangeBucketSpec;
use crate::error::{Error, ErrorKind, Result};

/// How the S3 client retries and times out. The defaults suit AWS S3; tests shorten them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Attempts per request, the first included (default 8). Throttling, 5xx answers, timeouts
    /// and broken connections are retried with jittered exponential backoff.
    pub max_attempts: u32,
    /// First backoff (default 200 ms); it doubles per retry up to `max_backoff`.
    pub initial_backoff: Duration,
    /// Longest backoff between two attempts (default 20 s).
    pub max_backoff: Duration,
    /// Time to establish a connection (default 5 s).
    pub connect_timeout: Duration,
    /// Time for one attempt of a request, response included (default 60 s).
    pub attempt_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(60),
        }
    }
}

/// Builds the S3 client for `spec`: one TLS stack (rustls + ring, the platform's trust store),
/// the spec's credentials or the default chain, the spec's region (or `us-east-1` for an
/// S3-compatible endpoint without one), endpoint and path style. Checksums are computed only
/// where S3 requires them, which S3-compatible stores also accept.
pub(crate) async fn build(spec: &ExchangeBucketSpec, options: &ClientOptions) -> Result<aws_sdk_s3::Client> {
    if options.max_attempts == 0 {
        return Err(Error::invalid_input("ClientOptions.max_attempts: must be 1 or more"));
    }
    let http =
        aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(CryptoMode::Ring)).build_https();
    let retry = RetryConfig::standard()
        .with_max_attempts(options.max_attempts)
        .with_initial_backoff(options.initial_backoff)
        .with_max_backoff(options.max_backoff);
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(options.connect_timeout)
        .operation_attempt_timeout(options.attempt_timeout)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .region(SdkRegion::new(spec.signing_region().to_owned()))
        .retry_config(retry)
        .timeout_config(timeouts);
    if let Some(creds) = &spec.credentials {
        loader = loader.credentials_provider(Credentials::new(
            creds.access_key_id.clone(),
            creds.secret_access_key.expose_secret().to_owned(),
            creds.session_token.as_ref().map(|t| t.expose_secret().to_owned()),
            None,
            "trino-platform-spec",
        ));
    }
    let sdk = loader.load().await;
    // A retry budget of its own (the SDK's default, 500 tokens), so that one bucket's failing
    // store cannot use up the retries of every other S3 client in the process.
    let partition = RetryPartition::custom("trino-platform-exchange").token_bucket(TokenBucket::new(500)).build();
    let mut config = aws_sdk_s3::config::Builder::from(&sdk)
        .retry_partition(partition)
        .force_path_style(spec.path_style)
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
    if let Some(endpoint) = &spec.endpoint {
        config = config.endpoint_url(endpoint.as_str());
    }
    Ok(aws_sdk_s3::Client::from_conf(config.build()))
}

/// What a failed S3 call tells: the error code S3 sent, the HTTP status, and the kind.
pub(crate) struct Failure {
    pub code: Option<String>,
    pub status: Option<u16>,
    pub error: Error,
}

/// Maps a failed call of `operation` on `bucket` to an [`Error`] of the right kind, with S3's
/// code and message (never a credential) and the SDK error as the source.
pub(crate) fn failure<E>(
    operation: &str,
    bucket: &str,
    err: SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    let code = err.code().map(str::to_owned);
    let detail = match (&code, err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.clone(),
        _ => chain(&err),
    };
    let kind = match &err {
        SdkError::TimeoutError(_) => ErrorKind::Timeout,
        SdkError::DispatchFailure(d) if d.is_timeout() => ErrorKind::Timeout,
        SdkError::DispatchFailure(d) if d.is_user() => ErrorKind::InvalidInput,
        SdkError::DispatchFailure(_) => ErrorKind::Unavailable,
        // Identity resolution fails before a request is built: no usable credentials.
        SdkError::ConstructionFailure(_) if detail.to_ascii_lowercase().contains("credential") => {
            ErrorKind::Unauthorized
        }
        SdkError::ConstructionFailure(_) => ErrorKind::InvalidInput,
        _ => kind_of(code.as_deref(), status),
    };
    let mut message = format!("S3 {operation} on bucket {bucket} failed: {detail}");
    if let (Some(301 | 307), Some(region)) =
        (status, err.raw_response().and_then(|r| r.headers().get("x-amz-bucket-region")))
    {
        message.push_str(&format!(" (the bucket is in region {region}; set region accordingly)"));
    }
    if kind == ErrorKind::Unauthorized {
        message.push_str(" (check the credentials: spec credentials or the AWS default chain)");
    }
    Failure { code, status, error: Error::new(kind, message).with_source(err) }
}

/// The error and its causes, one line, for failures that carry no S3 code.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

/// The kind for an S3 error code, else for the HTTP status.
fn kind_of(code: Option<&str>, status: Option<u16>) -> ErrorKind {
    match code {
        Some("NoSuchBucket" | "NotFound" | "NoSuchKey" | "NoSuchUpload") => ErrorKind::NotFound,
        Some("BucketAlreadyExists") => ErrorKind::AlreadyExists,
        Some("AccessDenied" | "AllAccessDisabled" | "AccountProblem" | "Forbidden") => ErrorKind::Forbidden,
        Some(
            "InvalidAccessKeyId"
            | "SignatureDoesNotMatch"
            | "ExpiredToken"
            | "InvalidToken"
            | "TokenRefreshRequired"
            | "MissingSecurityHeader",
        ) => ErrorKind::Unauthorized,
        Some("RequestTimeout") => ErrorKind::Timeout,
        Some(
            "SlowDown"
            | "Throttling"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "TooManyRequests"
            | "ServiceUnavailable"
            | "InternalError",
        ) => ErrorKind::Unavailable,
        Some("OperationAborted" | "BucketNotEmpty" | "PermanentRedirect" | "AuthorizationHeaderMalformed") => {
            ErrorKind::Conflict
        }
        Some(
            "InvalidArgument"
            | "MalformedXML"
            | "MalformedPolicy"
            | "InvalidRequest"
            | "InvalidBucketName"
            | "KMS.NotFoundException"
            | "InvalidLocationConstraint"
            | "IllegalLocationConstraintException",
        ) => ErrorKind::InvalidInput,
        _ => match status {
            Some(404) => ErrorKind::NotFound,
            Some(401) => ErrorKind::Unauthorized,
            Some(403) => ErrorKind::Forbidden,
            Some(301 | 307 | 409) => ErrorKind::Conflict,
            Some(408) => ErrorKind::Timeout,
            Some(429 | 500..=599) => ErrorKind::Unavailable,
            Some(400) => ErrorKind::InvalidInput,
            _ => ErrorKind::Backend,
        },
    }
}

/// `Ok(Some(value))`, `Ok(None)` when S3 answered with one of `absent` (the setting is not
/// configured), or the mapped error.
pub(crate) fn optional<T, E>(
    result: std::result::Result<T, SdkError<E, aws_sdk_s3::config::http::HttpResponse>>,
    operation: &str,
    bucket: &str,
    absent: &[&str],
) -> Result<Option<T>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) => {
            let failure = failure(operation, bucket, err);
            match failure.code.as_deref() {
                Some(code) if absent.contains(&code) => Ok(None),
                _ => Err(failure.error),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::kind_of;
    use crate::ErrorKind;

    #[test]
    fn codes_and_statuses_map_to_kinds() {
        assert_eq!(kind_of(Some("SlowDown"), Some(503)), ErrorKind::Unavailable);
        assert_eq!(kind_of(Some("InternalError"), Some(500)), ErrorKind::Unavailable);
        assert_eq!(kind_of(Some("BucketAlreadyExists"), Some(409)), ErrorKind::AlreadyExists);
        assert_eq!(kind_of(Some("AccessDenied"), Some(403)), ErrorKind::Forbidden);
        assert_eq!(kind_of(Some("InvalidAccessKeyId"), Some(403)), ErrorKind::Unauthorized);
        assert_eq!(kind_of(None, Some(404)), ErrorKind::NotFound);
        assert_eq!(kind_of(None, Some(403)), ErrorKind::Forbidden);
        assert_eq!(kind_of(None, Some(502)), ErrorKind::Unavailable);
        assert_eq!(kind_of(Some("Weird"), Some(418)), ErrorKind::Backend);
        assert!(crate::Error::new(kind_of(None, Some(503)), "x").is_retryable());
    }
}
