//! cty's msgpack encoding of values, which Terraform uses for configuration, plans and state.
//!
//! - null is msgpack nil; an unknown value is extension type 0, or extension type 12 whose payload
//!   (a msgpack map) lists refinements; both may appear at any level.
//! - numbers are ints, float64, or (when neither is exact) a decimal string;
//! - lists, sets and tuples are arrays; maps and objects are maps with string keys;
//! - a value of type `dynamic` is a 2-element array: the JSON type description (bin or str) and
//!   the value encoded with that type.

use std::collections::BTreeMap;

use rmp::Marker;

use super::{Number, Refinements, Type, Value, ValueError};
use crate::diag::PathStep;

/// Extension type of a plain unknown value.
const UNKNOWN_EXT: i8 = 0;
/// Extension type of an unknown value with refinements.
const REFINED_UNKNOWN_EXT: i8 = 12;

/// Decodes a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let mut reader = Reader { bytes, position: 0 };
    let value = reader.value(ty)?;
    if reader.position != bytes.len() {
        return Err(ValueError::new(format!(
            "{} unexpected bytes after the value",
            bytes.len() - reader.position
        )));
    }
    Ok(value)
}

/// Encodes a value of type `ty`. Fails when the value does not conform to the type, e.g. an
/// object attribute the type does not have (a typo in resource code).
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut out = Vec::with_capacity(256);
    write_value(&mut out, value, ty)?;
    Ok(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

/// The next item's kind, with its length or small inline value.
enum Head {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(usize),
    Bin(usize),
    Array(usize),
    Map(usize),
    Ext { ty: i8, len: usize },
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], ValueError> {
        let end = self
            .position
            .checked_add(count)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| ValueError::new("truncated msgpack data"))?;
        let slice = &self.bytes[self.position..end];
        self.position = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ValueError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, ValueError> {
        Ok(self.array::<1>()?[0])
    }

    fn len16(&mut self) -> Result<usize, ValueError> {
        Ok(usize::from(u16::from_be_bytes(self.array()?)))
    }

    fn len32(&mut self) -> Result<usize, ValueError> {
        usize::try_from(u32::from_be_bytes(self.array()?))
            .map_err(|_| ValueError::new("length does not fit in memory"))
    }

    fn ext(&mut self, len: usize) -> Result<Head, ValueError> {
        let ty = i8::from_be_bytes(self.array()?);
        Ok(Head::Ext { ty, len })
    }

    fn head(&mut self) -> Result<Head, ValueError> {
        let marker = Marker::from_u8(self.u8()?);
        Ok(match marker {
            Marker::Null => Head::Nil,
            Marker::True => Head::Bool(true),
            Marker::False => Head::Bool(false),
            Marker::FixPos(n) => Head::Int(i64::from(n)),
            Marker::FixNeg(n) => Head::Int(i64::from(n)),
            Marker::U8 => Head::Uint(u64::from(self.u8()?)),
            Marker::U16 => Head::Uint(u64::from(u16::from_be_bytes(self.array()?))),
            Marker::U32 => Head::Uint(u64::from(u32::from_be_bytes(self.array()?))),
            Marker::U64 => Head::Uint(u64::from_be_bytes(self.array()?)),
            Marker::I8 => Head::Int(i64::from(i8::from_be_bytes(self.array()?))),
            Marker::I16 => Head::Int(i64::from(i16::from_be_bytes(self.array()?))),
            Marker::I32 => Head::Int(i64::from(i32::from_be_bytes(self.array()?))),
            Marker::I64 => Head::Int(i64::from_be_bytes(self.array()?)),
            Marker::F32 => Head::Float(f64::from(f32::from_be_bytes(self.array()?))),
            Marker::F64 => Head::Float(f64::from_be_bytes(self.array()?)),
            Marker::FixStr(n) => Head::Str(usize::from(n)),
            Marker::Str8 => Head::Str(usize::from(self.u8()?)),
            Marker::Str16 => Head::Str(self.len16()?),
            Marker::Str32 => Head::Str(self.len32()?),
            Marker::Bin8 => Head::Bin(usize::from(self.u8()?)),
            Marker::Bin16 => Head::Bin(self.len16()?),
            Marker::Bin32 => Head::Bin(self.len32()?),
            Marker::FixArray(n) => Head::Array(usize::from(n)),
            Marker::Array16 => Head::Array(self.len16()?),
            Marker::Array32 => Head::Array(self.len32()?),
            Marker::FixMap(n) => Head::Map(usize::from(n)),
            Marker::Map16 => Head::Map(self.len16()?),
            Marker::Map32 => Head::Map(self.len32()?),
            Marker::FixExt1 => self.ext(1)?,
            Marker::FixExt2 => self.ext(2)?,
            Marker::FixExt4 => self.ext(4)?,
            Marker::FixExt8 => self.ext(8)?,
            Marker::FixExt16 => self.ext(16)?,
            Marker::Ext8 => {
                let len = usize::from(self.u8()?);
                self.ext(len)?
            }
            Marker::Ext16 => {
                let len = self.len16()?;
                self.ext(len)?
            }
            Marker::Ext32 => {
                let len = self.len32()?;
                self.ext(len)?
            }
            Marker::Reserved => return Err(ValueError::new("reserved msgpack marker 0xc1")),
        })
    }

    fn text(&mut self, len: usize) -> Result<String, ValueError> {
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| ValueError::new("string is not UTF-8"))
    }

    fn value(&mut self, ty: &Type) -> Result<Value, ValueError> {
        let head = self.head()?;
        match head {
            Head::Nil => return Ok(Value::Null),
            Head::Ext { ty: ext, len } => {
                let payload = self.take(len)?;
                return match ext {
                    UNKNOWN_EXT => Ok(Value::unknown()),
                    REFINED_UNKNOWN_EXT => {
                        Ok(Value::Unknown(Refinements::from_raw(payload.to_vec())))
                    }
                    other => Err(ValueError::new(format!(
                        "unexpected msgpack extension type {other}"
                    ))),
                };
            }
            _ => {}
        }
        match (ty, head) {
            (Type::Bool, Head::Bool(value)) => Ok(Value::Bool(value)),
            (Type::Number, Head::Int(value)) => Ok(Value::Number(Number::from(value))),
            (Type::Number, Head::Uint(value)) => Ok(Value::Number(Number::from(value))),
            (Type::Number, Head::Float(value)) => Number::from_f64(value)
                .map(Value::Number)
                .map_err(|e| ValueError::new(e.to_string())),
            (Type::Number, Head::Str(len)) => self
                .text(len)?
                .parse()
                .map(Value::Number)
                .map_err(|e: super::NumberError| ValueError::new(e.to_string())),
            (Type::String, Head::Str(len)) => self.text(len).map(Value::String),
            (Type::List(element), Head::Array(len)) => {
                self.elements(len, element, true).map(Value::List)
            }
            (Type::Set(element), Head::Array(len)) => {
                self.elements(len, element, false).map(Value::Set)
            }
            (Type::Tuple(elements), Head::Array(len)) => {
                if len != elements.len() {
                    return Err(ValueError::new(format!(
                        "tuple has {len} elements, its type {}",
                        elements.len()
                    )));
                }
                elements
                    .iter()
                    .enumerate()
                    .map(|(index, ty)| {
                        self.value(ty)
                            .map_err(|e| e.within(Some(PathStep::Index(index as i64))))
                    })
                    .collect::<Result<_, _>>()
                    .map(Value::Tuple)
            }
            (Type::Map(element), Head::Map(len)) => {
                let mut entries = BTreeMap::new();
                for _ in 0..len {
                    let key = self.key()?;
                    let value = self
                        .value(element)
                        .map_err(|e| e.within(Some(PathStep::Key(key.clone()))))?;
                    entries.insert(key, value);
                }
                Ok(Value::Map(entries))
            }
            (Type::Object(attributes), Head::Map(len)) => {
                let mut entries = BTreeMap::new();
                for _ in 0..len {
                    let name = self.key()?;
                    let ty = attributes.get(&name).ok_or_else(|| {
                        ValueError::new(format!("unsupported attribute {name:?}"))
                    })?;
                    let value = self
                        .value(ty)
                        .map_err(|e| e.within(Some(PathStep::Attribute(name.clone()))))?;
                    entries.insert(name, value);
                }
                // cty omits nothing, but tolerate absent attributes as null.
                for name in attributes.keys() {
                    entries.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(entries))
            }
            (Type::Dynamic, Head::Array(2)) => {
                let type_json = match self.head()? {
                    Head::Str(len) | Head::Bin(len) => self.take(len)?,
                    _ => return Err(ValueError::new("dynamic value without a type description")),
                };
                let ty =
                    Type::from_json_bytes(type_json).map_err(|e| ValueError::new(e.to_string()))?;
                self.value(&ty)
            }
            (ty, head) => Err(ValueError::new(format!(
                "expected {ty}, found msgpack {}",
                describe(&head)
            ))),
        }
    }

    fn elements(
        &mut self,
        len: usize,
        element: &Type,
        indexed: bool,
    ) -> Result<Vec<Value>, ValueError> {
        // Each element takes at least one byte: bounds the allocation by the input size.
        let mut items = Vec::with_capacity(len.min(self.bytes.len() - self.position));
        for index in 0..len {
            let step = indexed.then_some(PathStep::Index(index as i64));
            items.push(self.value(element).map_err(|e| e.within(step))?);
        }
        Ok(items)
    }

    fn key(&mut self) -> Result<String, ValueError> {
        match self.head()? {
            Head::Str(len) => self.text(len),
            other => Err(ValueError::new(format!(
                "map key is msgpack {}, not a string",
                describe(&other)
            ))),
        }
    }
}

fn describe(head: &Head) -> &'static str {
    match head {
        Head::Nil => "nil",
        Head::Bool(_) => "bool",
        Head::Int(_) | Head::Uint(_) => "integer",
        Head::Float(_) => "float",
        Head::Str(_) => "string",
        Head::Bin(_) => "binary",
        Head::Array(_) => "array",
        Head::Map(_) => "map",
        Head::Ext { .. } => "extension",
    }
}

fn mismatch(value: &Value, ty: &Type) -> ValueError {
    let found = match value {
        Value::Unknown(_) => "unknown",
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Set(_) => "set",
        Value::Map(_) => "map",
        Value::Object(_) => "object",
        Value::Tuple(_) => "tuple",
    };
    ValueError::new(format!("a {found} value does not conform to type {ty}"))
}

fn write_value(out: &mut Vec<u8>, value: &Value, ty: &Type) -> Result<(), ValueError> {
    match (value, ty) {
        (Value::Null, _) => out.push(0xc0),
        (Value::Unknown(refinements), _) => match refinements.raw() {
            // cty writes a plain unknown as fixext1 type 0 with a zero byte.
            None => out.extend_from_slice(&[0xd4, UNKNOWN_EXT as u8, 0]),
            Some(raw) => write_ext(out, REFINED_UNKNOWN_EXT, raw)?,
        },
        (_, Type::Dynamic) => {
            let concrete = value.infer_type();
            write_len(out, 0x90, 0xdc, 0xdd, 2)?;
            write_bin(out, concrete.to_json().to_string().as_bytes())?;
            write_value(out, value, &concrete)?;
        }
        (Value::Bool(flag), Type::Bool) => out.push(if *flag { 0xc3 } else { 0xc2 }),
        (Value::Number(number), Type::Number) => write_number(out, number)?,
        (Value::String(text), Type::String) => write_str(out, text)?,
        (Value::List(items), Type::List(element)) => write_items(out, items, element, true)?,
        (Value::Set(items), Type::Set(element)) => write_items(out, items, element, false)?,
        (Value::Tuple(items), Type::Tuple(types)) => {
            if items.len() != types.len() {
                return Err(ValueError::new(format!(
                    "tuple has {} elements, its type {}",
                    items.len(),
                    types.len()
                )));
            }
            write_len(out, 0x90, 0xdc, 0xdd, items.len())?;
            for (index, (item, ty)) in items.iter().zip(types).enumerate() {
                write_value(out, item, ty)
                    .map_err(|e| e.within(Some(PathStep::Index(index as i64))))?;
            }
        }
        (Value::Map(entries), Type::Map(element)) => {
            write_len(out, 0x80, 0xde, 0xdf, entries.len())?;
            for (key, item) in entries {
                write_str(out, key)?;
                write_value(out, item, element)
                    .map_err(|e| e.within(Some(PathStep::Key(key.clone()))))?;
            }
        }
        (Value::Object(entries), Type::Object(attributes)) => {
            if let Some(extra) = entries.keys().find(|name| !attributes.contains_key(*name)) {
                return Err(ValueError::new(format!(
                    "attribute {extra:?} is not in the schema"
                )));
            }
            write_len(out, 0x80, 0xde, 0xdf, attributes.len())?;
            for (name, ty) in attributes {
                write_str(out, name)?;
                let item = entries.get(name).unwrap_or(&Value::Null);
                write_value(out, item, ty)
                    .map_err(|e| e.within(Some(PathStep::Attribute(name.clone()))))?;
            }
        }
        (value, ty) => return Err(mismatch(value, ty)),
    }
    Ok(())
}

fn write_items(
    out: &mut Vec<u8>,
    items: &[Value],
    element: &Type,
    indexed: bool,
) -> Result<(), ValueError> {
    write_len(out, 0x90, 0xdc, 0xdd, items.len())?;
    for (index, item) in items.iter().enumerate() {
        let step = indexed.then_some(PathStep::Index(index as i64));
        write_value(out, item, element).map_err(|e| e.within(step))?;
    }
    Ok(())
}

/// Like cty: an integer when it fits in 64 bits, a float64 when that is exact, else the decimal
/// text as a string (cty parses all three).
fn write_number(out: &mut Vec<u8>, number: &Number) -> Result<(), ValueError> {
    if let Some(int) = number.as_i64() {
        write_int(out, int);
    } else if number.is_exact_f64() {
        out.push(0xcb);
        out.extend_from_slice(&number.as_f64().to_be_bytes());
    } else {
        write_str(out, &number.to_string())?;
    }
    Ok(())
}

fn write_int(out: &mut Vec<u8>, value: i64) {
    match value {
        0..=127 => out.push(value as u8),
        -32..=-1 => out.push(value as i8 as u8),
        _ if i8::try_from(value).is_ok() => {
            out.push(0xd0);
            out.push(value as i8 as u8);
        }
        _ if i16::try_from(value).is_ok() => {
            out.push(0xd1);
            out.extend_from_slice(&(value as i16).to_be_bytes());
        }
        _ if i32::try_from(value).is_ok() => {
            out.push(0xd2);
            out.extend_from_slice(&(value as i32).to_be_bytes());
        }
        _ => {
            out.push(0xd3);
            out.extend_from_slice(&value.to_be_bytes());
        }
    }
}

/// Writes a fix/16/32-bit length header; `fix` is the fix-format base marker (its capacity is
/// 16 for arrays and maps).
fn write_len(out: &mut Vec<u8>, fix: u8, m16: u8, m32: u8, len: usize) -> Result<(), ValueError> {
    if len < 16 {
        out.push(fix | len as u8);
    } else if let Ok(len) = u16::try_from(len) {
        out.push(m16);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        let len = u32::try_from(len).map_err(|_| ValueError::new("value too large for msgpack"))?;
        out.push(m32);
        out.extend_from_slice(&len.to_be_bytes());
    }
    Ok(())
}

fn write_str(out: &mut Vec<u8>, text: &str) -> Result<(), ValueError> {
    let len = text.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if let Ok(len) = u8::try_from(len) {
        out.extend_from_slice(&[0xd9, len]);
    } else if let Ok(len) = u16::try_from(len) {
        out.push(0xda);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        let len =
            u32::try_from(len).map_err(|_| ValueError::new("string too large for msgpack"))?;
        out.push(0xdb);
        out.extend_from_slice(&len.to_be_bytes());
    }
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

fn write_bin(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), ValueError> {
    if let Ok(len) = u8::try_from(bytes.len()) {
        out.extend_from_slice(&[0xc4, len]);
    } else if let Ok(len) = u16::try_from(bytes.len()) {
        out.push(0xc5);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        let len = u32::try_from(bytes.len())
            .map_err(|_| ValueError::new("binary too large for msgpack"))?;
        out.push(0xc6);
        out.extend_from_slice(&len.to_be_bytes());
    }
    out.extend_from_slice(bytes);
    Ok(())
}

fn write_ext(out: &mut Vec<u8>, ty: i8, payload: &[u8]) -> Result<(), ValueError> {
    let fixed = match payload.len() {
        1 => Some(0xd4),
        2 => Some(0xd5),
        4 => Some(0xd6),
        8 => Some(0xd7),
        16 => Some(0xd8),
        _ => None,
    };
    if let Some(marker) = fixed {
        out.push(marker);
    } else if let Ok(len) = u8::try_from(payload.len()) {
        out.extend_from_slice(&[0xc7, len]);
    } else if let Ok(len) = u16::try_from(payload.len()) {
        out.push(0xc8);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        let len = u32::try_from(payload.len())
            .map_err(|_| ValueError::new("extension too large for msgpack"))?;
        out.push(0xc9);
        out.extend_from_slice(&len.to_be_bytes());
    }
    out.push(ty as u8);
    out.extend_from_slice(payload);
    Ok(())
}

#[cfg(test)]
mod tests;
