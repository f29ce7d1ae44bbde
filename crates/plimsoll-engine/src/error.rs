//! Typed errors. Every variant names the engine (its endpoint, as
//! `unix:///var/run/docker.sock` or `tcp://host:port`) and, once a request
//! is under way, the request (`GET /v1.41/images/x/json`), and says what to
//! do about it.

/// An error while talking to the Docker Engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// `DOCKER_HOST` (or a host given in code) cannot be parsed.
    #[error(
        "invalid Docker host `{value}`: {reason}; expected unix:///path/to/docker.sock or tcp://HOST:PORT"
    )]
    Host {
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A way of reaching the engine that this client does not speak yet.
    #[error("{what} is not supported yet: {reason}")]
    Unsupported {
        /// The feature (`DOCKER_TLS_VERIFY`, `ssh://` hosts, …).
        what: String,
        /// Why, and what to do instead.
        reason: String,
    },
    /// The connection could not be made.
    #[error(
        "cannot connect to the Docker Engine at {endpoint}: {source}; is the daemon running, and may this user open its socket (root or the docker group)? Set DOCKER_HOST to reach another engine"
    )]
    Connect {
        /// The engine.
        endpoint: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Sending the request or reading the response failed.
    #[error("{request} to the Docker Engine at {endpoint} failed: {source}")]
    Io {
        /// The engine.
        endpoint: String,
        /// The request (`GET /v1.41/_ping`).
        request: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The response is not well-formed HTTP/1.x.
    #[error("malformed response to {request} from the Docker Engine at {endpoint}: {reason}")]
    Protocol {
        /// The engine.
        endpoint: String,
        /// The request.
        request: String,
        /// What is wrong.
        reason: String,
    },
    /// The engine answered with a non-2xx status.
    #[error("{request}: the Docker Engine at {endpoint} answered {status}: {message}")]
    Api {
        /// The engine.
        endpoint: String,
        /// The request.
        request: String,
        /// The HTTP status code.
        status: u16,
        /// The daemon's `{"message": …}`, or the start of the body.
        message: String,
    },
    /// A JSON answer does not have the expected shape.
    #[error(
        "unexpected JSON in the answer to {request} from the Docker Engine at {endpoint}: {source}"
    )]
    Json {
        /// The engine.
        endpoint: String,
        /// The request.
        request: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A body is larger than this client accepts for its kind.
    #[error(
        "the answer to {request} from the Docker Engine at {endpoint} is larger than {limit} bytes"
    )]
    TooLarge {
        /// The engine.
        endpoint: String,
        /// The request.
        request: String,
        /// The cap.
        limit: u64,
    },
    /// The engine's API is older than this client needs.
    #[error(
        "the Docker Engine at {endpoint} speaks API {version}, older than the {minimum} Plimsoll needs: upgrade Docker"
    )]
    TooOld {
        /// The engine.
        endpoint: String,
        /// Its API version.
        version: String,
        /// The oldest version this client speaks.
        minimum: String,
    },
    /// A caller passed a request path that cannot be sent as is.
    #[error("invalid request path `{path}`: {reason}")]
    Path {
        /// The path.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl EngineError {
    /// The HTTP status of an [`EngineError::Api`] error.
    pub fn status(&self) -> Option<u16> {
        match self {
            EngineError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the engine answered 404 (no such image, container, …).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}
