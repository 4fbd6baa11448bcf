//! cty msgpack decoding and encoding, against bytes cty produces and by round trips.

use super::*;
use crate::diag::AttributePath;
use crate::value::strategies::typed_value;
use proptest::prelude::*;

fn schema_type() -> Type {
    Type::object([
        ("id", Type::String),
        ("port", Type::Number),
        ("subnet_ids", Type::list(Type::String)),
        ("tags", Type::map(Type::String)),
        (
            "rule",
            Type::set(Type::object([("cidr", Type::String), ("on", Type::Bool)])),
        ),
    ])
}

#[test]
fn decodes_what_terraform_sends() {
    // {"id": unknown, "port": 5432, "rule": nil, "subnet_ids": ["a"], "tags": {"k": "v"}}
    // as go-msgpack/cty writes it (keys sorted, fixext1 unknown, int16 port).
    let bytes = [
        0x85, 0xa2, b'i', b'd', 0xd4, 0x00, 0x00, 0xa4, b'p', b'o', b'r', b't', 0xd1, 0x15, 0x38,
        0xa4, b'r', b'u', b'l', b'e', 0xc0, 0xaa, b's', b'u', b'b', b'n', b'e', b't', b'_', b'i',
        b'd', b's', 0x91, 0xa1, b'a', 0xa4, b't', b'a', b'g', b's', 0x81, 0xa1, b'k', 0xa1, b'v',
    ];
    let value = decode(&bytes, &schema_type()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        value,
        Value::object([
            ("id", Value::unknown()),
            ("port", Value::number(5432)),
            ("rule", Value::Null),
            ("subnet_ids", Value::list_of_strings(["a"])),
            ("tags", Value::map_of_strings([("k", "v")])),
        ])
    );
    assert_eq!(encode(&value, &schema_type()), Ok(bytes.to_vec()));
}

#[test]
fn keeps_refinements_of_unknowns() {
    // cty: unknown, not null, string prefix "arn:" -> ext 12 with map {1: true, 2: "arn:"}.
    let payload = [0x82, 0x01, 0xc3, 0x02, 0xa4, b'a', b'r', b'n', b':'];
    let mut bytes = vec![0xc7, payload.len() as u8, 12];
    bytes.extend_from_slice(&payload);
    let value = decode(&bytes, &Type::String).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        value,
        Value::Unknown(Refinements::from_raw(payload.to_vec()))
    );
    assert_eq!(encode(&value, &Type::String), Ok(bytes));
}

#[test]
fn numbers_use_the_narrowest_exact_encoding() {
    let encoded = |text: &str| {
        let number: Number = text.parse().unwrap_or_else(|e| panic!("{e}"));
        encode(&Value::Number(number), &Type::Number).unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(encoded("7"), vec![0x07]);
    assert_eq!(encoded("-1"), vec![0xff]);
    assert_eq!(encoded("300"), vec![0xd1, 0x01, 0x2c]);
    assert_eq!(encoded("0.5")[0], 0xcb);
    let big = "123456789012345678901234567890.5";
    let mut expected = vec![0xd9, big.len() as u8];
    expected.extend_from_slice(big.as_bytes());
    assert_eq!(encoded(big), expected);
    assert_eq!(
        decode(&expected, &Type::Number).map(|v| v.as_number().map(ToString::to_string)),
        Ok(Some(big.to_string()))
    );
    // uint64 beyond i64
    let bytes = [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    assert_eq!(decode(&bytes, &Type::Number), Ok(Value::number(u64::MAX)));
}

#[test]
fn dynamic_values_carry_their_type() {
    let value = Value::list([Value::from("a")]);
    let bytes = encode(&value, &Type::Dynamic).unwrap_or_else(|e| panic!("{e}"));
    let type_json = br#"["list","string"]"#;
    let mut expected = vec![0x92, 0xc4, type_json.len() as u8];
    expected.extend_from_slice(type_json);
    expected.extend_from_slice(&[0x91, 0xa1, b'a']);
    assert_eq!(bytes, expected);
    assert_eq!(decode(&bytes, &Type::Dynamic), Ok(value));
}

#[test]
fn errors_say_where() {
    let value = Value::object([("port", Value::string("x"))]);
    let error = encode(&value, &Type::object([("port", Type::Number)]));
    assert_eq!(error.map_err(|e| e.path), Err(AttributePath::root("port")));
    let typo = Value::object([("prot", Value::number(1))]);
    let error = encode(&typo, &Type::object([("port", Type::Number)]));
    assert!(error.is_err_and(|e| e.to_string().contains("\"prot\" is not in the schema")));
    let list = [0x92, 0xa1, b'a', 0x05];
    let error = decode(&list, &Type::list(Type::String));
    assert_eq!(
        error.map_err(|e| e.path),
        Err(AttributePath::empty().index(1))
    );
}

#[test]
fn malformed_input_is_an_error_not_a_panic() {
    for bytes in [
        &[][..],
        &[0xc1],
        &[0x92, 0xa1],
        &[0xdb, 0xff, 0xff, 0xff, 0xff],
        &[0xdd, 0xff, 0xff, 0xff, 0xff],
        &[0xc0, 0xc0],
        &[0xd4, 0x05, 0x00],
    ] {
        assert!(
            decode(bytes, &Type::list(Type::String)).is_err(),
            "{bytes:?}"
        );
    }
}

proptest! {
    #[test]
    fn round_trips_any_value((ty, value) in typed_value(true)) {
        let bytes = encode(&value, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = decode(&bytes, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, value);
    }

    #[test]
    fn never_panics_on_garbage(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let ty = Type::object([("a", Type::list(Type::Dynamic)), ("b", Type::map(Type::Number))]);
        let _ = decode(&bytes, &ty);
    }
}
