//! OffsetFetch for many groups in one request (v8+), decoded straight into 16 bytes per committed
//! partition. kafka-protocol's decoded answer costs ~94 bytes per partition (a tagged-field map
//! and a metadata string each): at 10k groups × 20 partitions one coordinator's answer was 6 MiB
//! of a console refresh's peak memory, alive only to be copied out.

use std::collections::HashMap;

use bytes::Buf;
use kafka_protocol::messages::OffsetFetchRequest;
use kafka_protocol::protocol::buf::{ByteBuf, ByteBufMut};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Message, VersionRange};

/// OffsetFetch of many groups (v8+), answered as an [`OffsetFetchAnswer`]. Capped at v9: v10 names
/// topics by id instead of by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OffsetFetchMany(pub OffsetFetchRequest);

impl Message for OffsetFetchMany {
    const VERSIONS: VersionRange = VersionRange { min: 8, max: 9 };
    const DEPRECATED_VERSIONS: Option<VersionRange> = None;
}

impl Encodable for OffsetFetchMany {
    fn encode<B: ByteBufMut>(&self, buf: &mut B, version: i16) -> anyhow::Result<()> {
        self.0.encode(buf, version)
    }
    fn compute_size(&self, version: i16) -> anyhow::Result<usize> {
        self.0.compute_size(version)
    }
}

impl HeaderVersion for OffsetFetchMany {
    fn header_version(version: i16) -> i16 {
        OffsetFetchRequest::header_version(version)
    }
}

/// One committed offset; `topic` indexes the names of the answer (or of [`GroupOffsets`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Committed {
    pub topic: u32,
    pub partition: i32,
    /// -1: nothing committed.
    pub offset: i64,
}

/// One group of an OffsetFetch answer.
#[derive(Debug, Default)]
pub struct AnsweredGroup {
    pub group_id: String,
    /// The group's error, or else the first error of one of its partitions (0: none).
    pub error_code: i16,
    pub offsets: Vec<Committed>,
}

/// An OffsetFetch v8/v9 answer: each topic name once, the groups' offsets by topic index.
#[derive(Debug, Default)]
pub struct OffsetFetchAnswer {
    pub topics: Vec<String>,
    pub groups: Vec<AnsweredGroup>,
}

impl Message for OffsetFetchAnswer {
    const VERSIONS: VersionRange = OffsetFetchMany::VERSIONS;
    const DEPRECATED_VERSIONS: Option<VersionRange> = None;
}

impl HeaderVersion for OffsetFetchAnswer {
    fn header_version(_version: i16) -> i16 {
        1 // flexible versions (6+)
    }
}

impl Decodable for OffsetFetchAnswer {
    fn decode<B: ByteBuf>(buf: &mut B, version: i16) -> anyhow::Result<Self> {
        if !(8..=9).contains(&version) {
            anyhow::bail!("OffsetFetch v{version} is not decoded here (v8 and v9 only)");
        }
        let mut answer = OffsetFetchAnswer::default();
        let mut index: HashMap<Vec<u8>, u32> = HashMap::new();
        let _throttle_time_ms = int(buf, Buf::get_i32)?;
        for _ in 0..array_len(buf)? {
            let group_id = String::from_utf8(string_bytes(buf)?.to_vec())?;
            let mut offsets = Vec::new();
            let mut partition_error = 0;
            for _ in 0..array_len(buf)? {
                let name = string_bytes(buf)?;
                let next = answer.topics.len() as u32;
                let topic = match index.get(name.as_ref()) {
                    Some(&i) => i,
                    None => {
                        answer.topics.push(String::from_utf8(name.to_vec())?);
                        index.insert(name.to_vec(), next);
                        next
                    }
                };
                let partitions = array_len(buf)?;
                offsets.reserve(partitions);
                for _ in 0..partitions {
                    let partition = int(buf, Buf::get_i32)?;
                    let offset = int(buf, Buf::get_i64)?;
                    let _leader_epoch = int(buf, Buf::get_i32)?;
                    let _metadata = string_bytes(buf)?;
                    let error_code = int(buf, Buf::get_i16)?;
                    skip_tagged_fields(buf)?;
                    if partition_error == 0 {
                        partition_error = error_code;
                    }
                    offsets.push(Committed { topic, partition, offset });
                }
                skip_tagged_fields(buf)?;
            }
            let error_code = int(buf, Buf::get_i16)?;
            skip_tagged_fields(buf)?;
            let error_code = if error_code != 0 { error_code } else { partition_error };
            answer.groups.push(AnsweredGroup { group_id, error_code, offsets });
        }
        skip_tagged_fields(buf)?;
        Ok(answer)
    }
}

/// A fixed-size integer, if the answer still has its bytes.
fn int<B: ByteBuf, T>(buf: &mut B, get: fn(&mut B) -> T) -> anyhow::Result<T> {
    if buf.remaining() < std::mem::size_of::<T>() {
        anyhow::bail!("the answer ends inside a field");
    }
    Ok(get(buf))
}

/// An unsigned varint (lengths and tagged-field counts of flexible versions).
fn varint<B: ByteBuf>(buf: &mut B) -> anyhow::Result<u32> {
    let mut value = 0u32;
    for shift in (0..35).step_by(7) {
        let byte = int(buf, Buf::get_u8)?;
        value |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    anyhow::bail!("a varint longer than 5 bytes")
}

/// A compact array's length (null reads as empty).
fn array_len<B: ByteBuf>(buf: &mut B) -> anyhow::Result<usize> {
    Ok(varint(buf)?.saturating_sub(1) as usize)
}

/// A compact (nullable) string's bytes, without copying them out (null reads as empty).
fn string_bytes<B: ByteBuf>(buf: &mut B) -> anyhow::Result<bytes::Bytes> {
    let len = array_len(buf)?;
    Ok(buf.try_get_bytes(len)?)
}

fn skip_tagged_fields<B: ByteBuf>(buf: &mut B) -> anyhow::Result<()> {
    for _ in 0..varint(buf)? {
        let _tag = varint(buf)?;
        let size = varint(buf)? as usize;
        if buf.remaining() < size {
            anyhow::bail!("a tagged field of {size} bytes runs past the end of the answer");
        }
        buf.advance(size);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Answers written field by field as the schema lays them out (kafka-protocol encodes responses
    //! only with its `broker` feature). That the schema is read right is shown against real brokers:
    //! every lag test of tests/cluster reads its offsets through this decoder.
    use super::*;
    use bytes::{BufMut, BytesMut};

    fn varint(b: &mut BytesMut, mut n: u32) {
        while n >= 0x80 {
            b.put_u8((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        b.put_u8(n as u8);
    }
    fn string(b: &mut BytesMut, s: Option<&str>) {
        match s {
            None => varint(b, 0),
            Some(s) => {
                varint(b, s.len() as u32 + 1);
                b.put_slice(s.as_bytes());
            }
        }
    }
    /// No tagged fields, or one unknown field of `extra` bytes (a newer broker's addition).
    fn tagged(b: &mut BytesMut, extra: usize) {
        if extra == 0 {
            varint(b, 0);
        } else {
            varint(b, 1);
            varint(b, 99);
            varint(b, extra as u32);
            b.put_bytes(0xAB, extra);
        }
    }

    type Partition = (i32, i64, Option<&'static str>, i16);
    type Group = (&'static str, i16, Vec<(&'static str, Vec<Partition>)>);

    fn answer(groups: &[Group], extra: usize) -> bytes::Bytes {
        let mut b = BytesMut::new();
        b.put_i32(0); // throttle
        varint(&mut b, groups.len() as u32 + 1);
        for (id, error, topics) in groups {
            string(&mut b, Some(id));
            varint(&mut b, topics.len() as u32 + 1);
            for (name, parts) in topics {
                string(&mut b, Some(name));
                varint(&mut b, parts.len() as u32 + 1);
                for (p, offset, metadata, error) in parts {
                    b.put_i32(*p);
                    b.put_i64(*offset);
                    b.put_i32(5); // leader epoch
                    string(&mut b, *metadata);
                    b.put_i16(*error);
                    tagged(&mut b, extra);
                }
                tagged(&mut b, extra);
            }
            b.put_i16(*error);
            tagged(&mut b, extra);
        }
        tagged(&mut b, extra);
        b.freeze()
    }

    fn sample() -> Vec<Group> {
        vec![
            ("g1", 0, vec![("orders", vec![(0, 42, Some("meta"), 0), (1, -1, None, 0)]), ("pay", vec![])]),
            ("g2", 0, vec![("pay", vec![(2, 5, Some(""), 0)]), ("orders", vec![(0, 7, None, 0)])]),
            ("g3", 16, vec![]),
            ("g4", 0, vec![("orders", vec![(3, 1, None, 0), (4, 2, None, 3)])]),
        ]
    }

    /// Lengths past 127 take two varint bytes.
    #[test]
    fn long_names_and_many_partitions() {
        let name: &'static str = "t".repeat(200).leak();
        let parts: Vec<Partition> = (0..300).map(|p| (p, i64::from(p) * 1_000_000_000_000, None, 0)).collect();
        let mut bytes = answer(&[("g", 0, vec![(name, parts)])], 0);
        let answer = OffsetFetchAnswer::decode(&mut bytes, 9).expect("decode");
        assert_eq!(answer.topics, [name]);
        let offsets = &answer.groups[0].offsets;
        assert_eq!(offsets.len(), 300);
        assert_eq!(offsets[299], Committed { topic: 0, partition: 299, offset: 299_000_000_000_000 });
    }

    #[test]
    fn offsets_errors_and_each_topic_name_once() {
        for extra in [0, 3] {
            let mut bytes = answer(&sample(), extra);
            let answer = OffsetFetchAnswer::decode(&mut bytes, 9).expect("decode");
            assert_eq!(bytes.remaining(), 0, "every byte read (unknown tagged fields of {extra} bytes)");
            assert_eq!(answer.topics, ["orders", "pay"]);
            let c = |topic, partition, offset| Committed { topic, partition, offset };
            let got: Vec<(&str, i16, &[Committed])> =
                answer.groups.iter().map(|g| (g.group_id.as_str(), g.error_code, g.offsets.as_slice())).collect();
            assert_eq!(
                got,
                vec![
                    ("g1", 0, &[c(0, 0, 42), c(0, 1, -1)][..]),
                    ("g2", 0, &[c(1, 2, 5), c(0, 0, 7)][..]),
                    ("g3", 16, &[][..]),
                    // a partition's error (UNKNOWN_TOPIC_OR_PARTITION) is the group's
                    ("g4", 3, &[c(0, 3, 1), c(0, 4, 2)][..]),
                ]
            );
        }
    }

    #[test]
    fn a_truncated_answer_or_another_version_is_an_error() {
        let full = answer(&sample(), 0);
        for cut in [1, 10, full.len() / 2, full.len() - 1] {
            let mut part = full.slice(..cut);
            assert!(OffsetFetchAnswer::decode(&mut part, 9).is_err(), "{cut} of {} bytes decoded", full.len());
        }
        for version in [7, 10] {
            assert!(OffsetFetchAnswer::decode(&mut full.clone(), version).is_err(), "v{version}");
        }
        let mut v8 = full.clone();
        assert_eq!(OffsetFetchAnswer::decode(&mut v8, 8).expect("v8").groups.len(), 4);
    }
}
