//! Just enough of X.509 (DER) to tell a person what certificate a broker sent: who it names,
//! who signed it, until when. Verification itself is rustls/webpki's job; this only describes.

use std::net::IpAddr;

/// What `doctor` shows of one certificate.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    /// Subject alternative names: DNS names and IP addresses.
    pub names: Vec<String>,
    /// `2036-11-26T23:33:12Z`
    pub not_after: String,
    /// Seconds since the Unix epoch of `not_after`.
    #[serde(skip)]
    pub not_after_unix: i64,
}

impl CertSummary {
    /// Parses a DER certificate; None if it is not one this reader understands.
    pub fn parse(der: &[u8]) -> Option<CertSummary> {
        let (_, cert, _) = tlv(der)?;
        let (_, tbs, _) = tlv(cert)?;
        let mut rest = tbs;
        let (tag, _, after) = tlv(rest)?;
        if tag == 0xA0 {
            rest = after; // explicit version
        }
        let (_, _, after) = tlv(rest)?; // serial
        let (_, _, after) = tlv(after)?; // signature algorithm
        let (_, issuer, after) = tlv(after)?;
        let (_, validity, after) = tlv(after)?;
        let (_, subject, mut after) = tlv(after)?;
        let (_, _, v) = tlv(validity)?;
        let (time_tag, not_after, _) = tlv(v)?;
        let (not_after, not_after_unix) = time(time_tag, not_after)?;
        let mut names = Vec::new();
        while let Some((tag, body, next)) = tlv(after) {
            if tag == 0xA3 {
                names = alt_names(body).unwrap_or_default();
            }
            after = next;
        }
        Some(CertSummary { subject: dn(subject), issuer: dn(issuer), names, not_after, not_after_unix })
    }

    /// Whether the certificate names `host` (a DNS name, with one leading wildcard label, or an IP).
    pub fn names_host(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.names.iter().any(|n| {
            let n = n.to_ascii_lowercase();
            n == host
                || (n.starts_with("*.")
                    && host.parse::<IpAddr>().is_err()
                    && host.split_once('.').is_some_and(|(_, parent)| parent == &n[2..]))
        })
    }
}

/// One DER tag-length-value: (tag, contents, what follows).
fn tlv(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *data.first()?;
    let first = usize::from(*data.get(1)?);
    let (len, head) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for b in data.get(2..2 + n)? {
            len = (len << 8) | usize::from(*b);
        }
        (len, 2 + n)
    };
    let body = data.get(head..head + len)?;
    Some((tag, body, data.get(head + len..)?))
}

/// A distinguished name as `CN=…, O=…` (the attributes a person recognises).
fn dn(mut name: &[u8]) -> String {
    let mut parts = Vec::new();
    while let Some((_, set, next)) = tlv(name) {
        if let Some((_, attr, _)) = tlv(set) {
            if let Some((_, oid, value)) = tlv(attr) {
                let label = match oid {
                    [0x55, 0x04, 0x03] => Some("CN"),
                    [0x55, 0x04, 0x0A] => Some("O"),
                    [0x55, 0x04, 0x0B] => Some("OU"),
                    _ => None,
                };
                if let (Some(label), Some((_, text, _))) = (label, tlv(value)) {
                    parts.push(format!("{label}={}", String::from_utf8_lossy(text)));
                }
            }
        }
        name = next;
    }
    parts.join(", ")
}

/// The subjectAltName extension's DNS names and IP addresses, from the `[3]` extensions block.
fn alt_names(block: &[u8]) -> Option<Vec<String>> {
    let (_, mut exts, _) = tlv(block)?;
    while let Some((_, ext, next)) = tlv(exts) {
        let (_, oid, mut rest) = tlv(ext)?;
        if oid == [0x55, 0x1D, 0x11] {
            let (tag, value, after) = tlv(rest)?;
            let value = if tag == 0x01 { tlv(after)?.1 } else { value }; // skip `critical`
            let (_, mut general, _) = tlv(value)?;
            let mut names = Vec::new();
            while let Some((tag, body, next)) = tlv(general) {
                match (tag, body.len()) {
                    (0x82, _) => names.push(String::from_utf8_lossy(body).into_owned()),
                    (0x87, 4) => names.push(IpAddr::from(<[u8; 4]>::try_from(body).ok()?).to_string()),
                    (0x87, 16) => names.push(IpAddr::from(<[u8; 16]>::try_from(body).ok()?).to_string()),
                    _ => {}
                }
                general = next;
            }
            return Some(names);
        }
        rest = next;
        exts = rest;
    }
    Some(Vec::new())
}

/// UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) → (ISO text, Unix seconds).
fn time(tag: u8, body: &[u8]) -> Option<(String, i64)> {
    let text = std::str::from_utf8(body).ok()?.strip_suffix('Z')?;
    let num = |s: &str| s.parse::<i64>().ok();
    let (year, rest) = match tag {
        0x17 => {
            let yy = num(text.get(..2)?)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, text.get(2..)?)
        }
        0x18 => (num(text.get(..4)?)?, text.get(4..)?),
        _ => return None,
    };
    let field = |i: usize| rest.get(i..i + 2).and_then(num);
    let (month, day, hour, minute, second) = (field(0)?, field(2)?, field(4)?, field(6)?, field(8)?);
    let unix = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Some((format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"), unix))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_and_times() {
        // values from `date -u -d … +%s`
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(time(0x17, b"361126233312Z").unwrap(), ("2036-11-26T23:33:12Z".into(), 2_111_355_192));
        assert_eq!(time(0x18, b"20361126233312Z").unwrap().1, 2_111_355_192);
    }

    #[test]
    fn wildcards_name_one_label() {
        let c = CertSummary {
            subject: String::new(),
            issuer: String::new(),
            names: vec!["*.kafka.us-east-2.amazonaws.com".into(), "127.0.0.1".into()],
            not_after: String::new(),
            not_after_unix: 0,
        };
        assert!(c.names_host("b-1.kafka.us-east-2.amazonaws.com"));
        assert!(!c.names_host("a.b-1.kafka.us-east-2.amazonaws.com"));
        assert!(!c.names_host("localhost"));
        assert!(c.names_host("127.0.0.1"));
    }
}
