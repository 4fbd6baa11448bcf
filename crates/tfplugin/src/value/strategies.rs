//! proptest generators: a type, then a value of that type with nulls and unknowns anywhere.

use super::*;
use proptest::prelude::*;

pub fn any_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::Bool),
        Just(Type::Number),
        Just(Type::String),
        Just(Type::Dynamic),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            prop::collection::btree_map("[a-z_]{1,8}", inner.clone(), 0..4).prop_map(Type::Object),
            prop::collection::vec(inner, 0..3).prop_map(Type::Tuple),
        ]
    })
}

pub fn any_number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Number::from_f64(f).unwrap_or_else(|_| Number::zero())),
        ("-?[1-9][0-9]{0,40}", "[0-9]{0,30}").prop_map(|(int, frac)| {
            format!("{int}.{frac}")
                .parse()
                .unwrap_or_else(|_| Number::zero())
        }),
    ]
}

/// A value of `ty`; `unknowns` allows unknown values (msgpack) or not (JSON).
pub fn value_of(ty: Type, unknowns: bool) -> BoxedStrategy<Value> {
    let known = known_value_of(ty, unknowns);
    let refined = prop::collection::vec(any::<u8>(), 1..6)
        .prop_map(|raw| Value::Unknown(Refinements::from_raw(raw)));
    if unknowns {
        prop_oneof![
            1 => Just(Value::Null),
            1 => Just(Value::unknown()),
            1 => refined,
            6 => known,
        ]
        .boxed()
    } else {
        prop_oneof![1 => Just(Value::Null), 4 => known].boxed()
    }
}

fn known_value_of(ty: Type, unknowns: bool) -> BoxedStrategy<Value> {
    match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => any_number().prop_map(Value::Number).boxed(),
        Type::String => any::<String>().prop_map(Value::String).boxed(),
        Type::Dynamic => prop_oneof![
            any::<bool>().prop_map(Value::Bool),
            "[a-z]{0,5}".prop_map(Value::String),
            prop::collection::vec(any::<i64>().prop_map(Value::from), 0..3).prop_map(Value::List),
            prop::collection::btree_map("[a-z]{1,3}", any::<bool>().prop_map(Value::Bool), 0..3)
                .prop_map(Value::Object),
        ]
        .boxed(),
        Type::List(element) => prop::collection::vec(value_of(*element, unknowns), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(element) => prop::collection::vec(value_of(*element, unknowns), 0..4)
            .prop_map(Value::Set)
            .boxed(),
        Type::Map(element) => {
            prop::collection::btree_map(".{0,6}", value_of(*element, unknowns), 0..4)
                .prop_map(Value::Map)
                .boxed()
        }
        Type::Object(attributes) => attributes
            .into_iter()
            .map(|(name, ty)| value_of(ty, unknowns).prop_map(move |v| (name.clone(), v)))
            .collect::<Vec<_>>()
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
            .boxed(),
        Type::Tuple(elements) => elements
            .into_iter()
            .map(|ty| value_of(ty, unknowns))
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
    }
}

/// A type and a value of it.
pub fn typed_value(unknowns: bool) -> impl Strategy<Value = (Type, Value)> {
    any_type()
        .prop_flat_map(move |ty| value_of(ty.clone(), unknowns).prop_map(move |v| (ty.clone(), v)))
}
