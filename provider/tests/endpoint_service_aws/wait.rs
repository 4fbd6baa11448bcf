//! Waiting for the load balancer (its timeout, cancellation mid-call) and a create cancelled
//! before it starts.

use std::future::pending;
use std::time::{Duration, Instant};

use terraform_provider_rdslink::endpoint_service::aws::{
    self as es, AwsClients, Error, PartialBundle,
};

use crate::{TIMEOUT, census, create, fixture, nothing, spec};

#[tokio::test]
async fn waiting_for_an_active_load_balancer_returns_it() {
    let fixture = fixture().await;
    let bundle = create(&fixture, &spec(&fixture, "waited")).await;
    let lb = es::wait_load_balancer_active(&fixture.clients, &bundle.nlb_arn, TIMEOUT, pending())
        .await
        .expect("wait");
    assert_eq!(lb.load_balancer_arn(), Some(bundle.nlb_arn.as_str()));
    let (state, _) = es::load_balancer_status(&fixture.clients, &bundle.nlb_arn)
        .await
        .expect("status");
    assert_eq!(state.as_str(), "active");
}

/// Clients whose every call hangs: a TCP server that accepts connections and never answers.
async fn hanging_clients() -> (AwsClients, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(format!("http://{address}"))
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "hanging-test",
        ))
        .load()
        .await;
    (AwsClients::new(&config), server)
}

const SOME_LB: &str =
    "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/rdslink-x/0";

#[tokio::test]
async fn waiting_for_the_load_balancer_stops_promptly_when_cancelled_even_mid_call() {
    let (clients, server) = hanging_clients().await;
    let started = Instant::now();
    let cancel = tokio::time::sleep(Duration::from_millis(300));
    let err = es::wait_load_balancer_active(&clients, SOME_LB, Duration::from_secs(600), cancel)
        .await
        .expect_err("cancelled");
    assert!(matches!(err, Error::Cancelled { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    server.abort();
}

#[tokio::test]
async fn waiting_for_the_load_balancer_gives_up_at_its_timeout() {
    let (clients, server) = hanging_clients().await;
    let started = Instant::now();
    let err =
        es::wait_load_balancer_active(&clients, SOME_LB, Duration::from_millis(500), pending())
            .await
            .expect_err("timed out");
    match &err {
        Error::Timeout { what, after, .. } => {
            assert!(what.contains(SOME_LB), "{what}");
            assert_eq!(*after, Duration::from_millis(500));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    server.abort();
}

#[tokio::test]
async fn a_create_cancelled_before_it_starts_creates_and_records_nothing() {
    let fixture = fixture().await;
    let mut progress = PartialBundle::default();
    let err = es::create(
        &fixture.clients,
        &spec(&fixture, "interrupted"),
        &mut progress,
        TIMEOUT,
        std::future::ready(()),
    )
    .await
    .expect_err("cancelled");
    assert!(matches!(err, Error::Cancelled { .. }), "{err:?}");
    assert!(progress.is_empty());
    assert_eq!(census(&fixture).await, nothing());
}
