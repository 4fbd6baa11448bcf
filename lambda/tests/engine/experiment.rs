use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use rdslink_lambda::{DatabaseSelector, Engine, Trigger, reconcile};
use crate::support::{Fixture, ok};

const NAME: &str = "flapping.corp.example";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn experiment_independent_engines() {
    let fx = Arc::new(Fixture::new().await);
    let a = Ipv4Addr::new(10, 31, 0, 1);
    let b = Ipv4Addr::new(10, 31, 0, 2);
    fx.dns.set_a(NAME, &[a]);
    let first = fx.engine(DatabaseSelector::Endpoint(NAME.into()), Duration::from_secs(2)).await;
    ok(reconcile(&first, &Trigger::schedule()).await, "initial");
    let group = first.target_group().clone();
    let stop = Arc::new(AtomicBool::new(false));
    let flapper = tokio::spawn({ let (fx, stop) = (fx.clone(), stop.clone()); async move {
        let mut n = 0u32; while !stop.load(Ordering::SeqCst) { fx.dns.set_a(NAME, &[if n % 2 == 0 { b } else { a }]); n += 1; tokio::time::sleep(Duration::from_millis(3)).await; } n }});
    let observer = tokio::spawn({ let (group, stop) = (group.clone(), stop.clone()); async move {
        let mut seen = Vec::new(); while !stop.load(Ordering::SeqCst) { seen.push(group.registered().await.unwrap()); } seen }});
    let mut tasks = Vec::new();
    for round in 0..5 {
        for _ in 0..20 {
            let engine = Engine::new(fx.discoverer(), DatabaseSelector::Endpoint(NAME.into()), group.clone());
            tasks.push(tokio::spawn(async move { reconcile(&engine, &Trigger::schedule()).await }));
        }
        let _ = round;
    }
    let mut empty_reports = 0; let mut errors = 0; let mut changed = 0;
    for t in tasks { match t.await.unwrap() { Ok(r) => { if r.targets.is_empty() { empty_reports += 1 } if !r.is_noop() { changed += 1 } } Err(_) => errors += 1 } }
    stop.store(true, Ordering::SeqCst);
    let flips = flapper.await.unwrap();
    let seen = observer.await.unwrap();
    let empty_seen = seen.iter().filter(|s| s.is_empty()).count();
    println!("EXPERIMENT: 100 independent runs, flips {flips}, changed {changed}, errors {errors}, observations {}, empty observations {empty_seen}, runs reporting empty {empty_reports}", seen.len());
}
