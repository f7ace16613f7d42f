//! A string enum that keeps values it does not know.
//!
//! Status and stage values are additive: a newer writer may emit one this reader has never
//! seen. Such a value parses into `Other(String)` and serializes back unchanged, so reading
//! and re-writing a row never loses information. This module owns only that macro.

macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value written by a newer nbench that this reader does not know; kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every value this version knows, in declaration order.
            pub const KNOWN: &'static [&'static str] = &[$($text),*];

            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )*
                    Self::Other(s) => s.as_str(),
                }
            }

            /// Parses a wire value; unknown values become `Other`.
            pub fn parse(s: &str) -> Self {
                match s {
                    $( $text => Self::$variant, )*
                    other => Self::Other(other.to_string()),
                }
            }

            /// Parses a value a user typed, refusing unknown ones with the valid list.
            pub fn parse_known(s: &str) -> Result<Self, String> {
                match Self::parse(s) {
                    Self::Other(o) => Err(format!(
                        "unknown {} `{}`; valid values: {}",
                        stringify!($name).to_lowercase(),
                        o,
                        Self::KNOWN.join(", ")
                    )),
                    known => Ok(known),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok(Self::parse(&s))
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "description": concat!(
                        "Open enum: known values are listed in `examples`; ",
                        "later v1 writers may add values, which readers keep verbatim."
                    ),
                    "examples": [$($text),*]
                })
            }
        }
    };
}

pub(crate) use open_enum;
