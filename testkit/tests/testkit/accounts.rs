use rdslink_testkit::{DnsServer, REGION, fresh_account, seed};

#[tokio::test]
async fn each_fresh_account_is_a_separate_account() {
    let (a, b) = (fresh_account().await, fresh_account().await);
    assert_ne!(a.id, b.id);
    for account in [&a, &b] {
        assert_eq!(account.id.len(), 12);
        assert_eq!(
            account.role_arn,
            format!("arn:aws:iam::{}:role/rdslink-test", account.id)
        );
        assert_eq!(account.region, REGION);
        let identity = account.sts().get_caller_identity().send().await.unwrap();
        assert_eq!(identity.account(), Some(account.id.as_str()));
    }
}

#[tokio::test]
async fn a_cluster_in_one_account_is_invisible_in_another() {
    let (owner, stranger) = (fresh_account().await, fresh_account().await);
    let dns = DnsServer::start().await;
    seed::aurora_cluster(&owner, &dns, "isolated", 1).await;

    let cluster_ids = |account: &rdslink_testkit::Account| {
        let rds = account.rds();
        async move {
            let described = rds.describe_db_clusters().send().await.unwrap();
            described
                .db_clusters()
                .iter()
                .filter_map(|cluster| cluster.db_cluster_identifier().map(str::to_owned))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(cluster_ids(&owner).await, ["isolated"]);
    assert!(cluster_ids(&stranger).await.is_empty());
}
