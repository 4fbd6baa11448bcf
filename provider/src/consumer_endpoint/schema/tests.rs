use super::*;

#[test]
fn the_schema_is_one_terraform_accepts() {
    assert_eq!(schema().validate(), Ok(()));
}

#[test]
fn service_names_are_privatelink_names() {
    assert_eq!(
        service_name("com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0"),
        Ok(())
    );
    for bad in [
        "vpce-svc-0123456789abcdef0",
        "com.amazonaws.eu-west-1.s3",
        "com.amazonaws.vpce.eu-west-1.vpce-svc-xyz",
        "com.amazonaws.vpce.nowhere.vpce-svc-0123456789abcdef0",
        "orders.cluster-c9abc.eu-west-1.rds.amazonaws.com",
    ] {
        assert!(service_name(bad).is_err(), "{bad}");
    }
}

#[test]
fn database_hostnames_are_rds_endpoint_names() {
    for ok in [
        "orders.cluster-c9abcdefghij.eu-west-1.rds.amazonaws.com",
        "orders.cluster-ro-c9abcdefghij.eu-west-1.rds.amazonaws.com",
        "orders-db.c9abcdefghij.us-east-1.rds.amazonaws.com",
        "orders.proxy-c9abcdefghij.eu-west-1.rds.amazonaws.com",
        "orders.c9abcdefghij.cn-north-1.rds.amazonaws.com.cn",
    ] {
        assert_eq!(database_hostname(ok), Ok(()), "{ok}");
    }
    for bad in [
        "orders.db.internal",
        "rds.amazonaws.com",
        "c9abcdefghij.eu-west-1.rds.amazonaws.com",
        "orders.cluster-c9abc.nowhere.rds.amazonaws.com",
        "orders.cluster-c9abc.eu-west-1.rds.example.com",
        "10.0.0.1",
    ] {
        assert!(database_hostname(bad).is_err(), "{bad}");
    }
}

#[test]
fn cidr_blocks_are_network_addresses() {
    for ok in ["10.20.0.0/16", "0.0.0.0/0", "2001:db8::/32", "10.0.0.1/32"] {
        assert_eq!(cidr(ok), Ok(()), "{ok}");
    }
    for bad in ["10.20.0.1/16", "10.20.0.0", "10.20.0.0/33", "orders/16"] {
        assert!(cidr(bad).is_err(), "{bad}");
    }
    assert!(is_any_source("0.0.0.0/0") && is_any_source("::/0"));
    assert!(!is_any_source("10.0.0.0/8"));
}

fn errors(config: Value) -> Vec<String> {
    let mut diags = Diagnostics::new();
    validate(&config, &mut diags);
    diags.iter().map(|d| d.to_string()).collect()
}

fn config(cidrs: &[&str], opt_in: Value) -> Value {
    ConsumerEndpointModel::default()
        .to_value()
        .with(
            "allowed_cidr_blocks",
            Value::set_of_strings(cidrs.iter().copied()),
        )
        .with("allow_any_source", opt_in)
}

#[test]
fn opening_to_every_address_needs_the_opt_in() {
    assert_eq!(
        errors(config(&["10.0.0.0/8"], Value::bool(false))),
        Vec::<String>::new()
    );
    assert_eq!(
        errors(config(&["0.0.0.0/0"], Value::bool(true))),
        Vec::<String>::new()
    );
    for refused in [Value::bool(false), Value::Null] {
        let found = errors(config(&["0.0.0.0/0"], refused));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("Open to every address"), "{found:?}");
    }
    assert_eq!(
        errors(config(&["0.0.0.0/0"], Value::unknown())),
        Vec::<String>::new()
    );
}
