//! The DNS request handler: the bytes of a query in, the bytes of its answer
//! out. hickory-proto parses and encodes the wire format (truncation with TC
//! included); this module only decides which records answer a query.
//!
//! | query | answer |
//! |---|---|
//! | a listed name, A (or ANY, RFC 8482) | the zone's A (or the list's), authoritative |
//! | a listed name, TXT | the zone's TXT template, at most 255 bytes |
//! | a listed name, other types | NOERROR, no data, SOA in authority |
//! | a name not listed, or invalid | NXDOMAIN, SOA in authority |
//! | an empty non-terminal (`68.51.bl...`) | NOERROR, no data, SOA |
//! | the apex | SOA, NS; other types no data |
//! | outside every zone, class not IN, zone transfers | REFUSED |
//! | a client that is not allowed | REFUSED |
//! | not one question, a message that does not parse | FORMERR |
//! | an opcode other than QUERY | NOTIMP |
//! | EDNS version above 0 | BADVERS |
//! | the artifact cannot be read | SERVFAIL (logged once per artifact) |
//! | a response, fewer than 12 bytes, a compressed question | no answer |
//!
//! Answers are made by a [`Worker`], one per UDP thread or TCP connection,
//! which keeps what one answer needs from one query to the next (the
//! snapshot, the lookup's query, the zones' SOA records, the buffers): an A
//! query is answered without formatting any text, and the only allocations
//! left are hickory-proto's (a name longer than its inline storage, its
//! compression table).

use std::net::Ipv4Addr;
use std::sync::Arc;

use hickory_proto::op::{
    emit_message_parts, Edns, EmitAndCount, Header, HeaderCounts, Message, MessageType, Metadata,
    OpCode, Query as Question, ResponseCode,
};
use hickory_proto::rr::rdata::{A, NS, SOA, TXT};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{
    BinDecodable, BinDecoder, BinEncodable, BinEncoder, NameEncoding,
};
use hickory_proto::ProtoError;
use mxlists_core::{HitRef, Query};

use super::zone::{self, Asked, Target, ZoneKind};
use crate::config::{DnsConfig, ZoneConfig};
use crate::engine::{Engine, EngineError, Form, PolicyId, Snapshot, SnapshotCache, Unavailable};
use crate::log;
use crate::template::{Template, Texts};

/// The largest UDP answer offered to EDNS clients (the DNS flag day 2020
/// size, which avoids IP fragmentation).
pub const MAX_UDP_PAYLOAD: u16 = 1232;
/// The longest TXT string.
pub const MAX_TXT: usize = 255;

const SOA_REFRESH: i32 = 3600;
const SOA_RETRY: i32 = 600;
const SOA_EXPIRE: i32 = 604_800;

/// One zone, ready to answer.
struct Zone {
    apex: Name,
    apex_labels: Vec<Vec<u8>>,
    kind: ZoneKind,
    policy: PolicyId,
    a: Ipv4Addr,
    answers: Vec<(String, Ipv4Addr)>,
    txt: Template,
    ns: Vec<Name>,
    hostmaster: Name,
}

impl Zone {
    fn soa(&self, ttl: u32, serial: u32) -> Record {
        let mname = self
            .ns
            .first()
            .cloned()
            .unwrap_or_else(|| self.apex.clone());
        Record::from_rdata(
            self.apex.clone(),
            ttl,
            RData::SOA(SOA::new(
                mname,
                self.hostmaster.clone(),
                serial,
                SOA_REFRESH,
                SOA_RETRY,
                SOA_EXPIRE,
                ttl,
            )),
        )
    }
}

/// Answers DNS queries for the configured zones from the engine's current
/// artifact.
pub struct DnsHandler {
    engine: Arc<Engine>,
    zones: Vec<Zone>,
    ttl: u32,
}

impl DnsHandler {
    /// The handler for `config`'s zones, whose list sets are the engine's
    /// policies `first_policy..`, in zone order. A zone must hold only IP
    /// lists or only name lists.
    pub fn new(
        config: &DnsConfig,
        engine: Arc<Engine>,
        first_policy: PolicyId,
    ) -> Result<Self, EngineError> {
        let snapshot = engine.snapshot();
        let mut zones = config
            .zones
            .iter()
            .enumerate()
            .map(|(i, z)| zone(z, first_policy + i, &snapshot))
            .collect::<Result<Vec<_>, _>>()?;
        // The most specific zone answers for names in nested zones.
        zones.sort_by_key(|z| std::cmp::Reverse(z.apex_labels.len()));
        Ok(DnsHandler {
            engine,
            zones,
            ttl: config.ttl,
        })
    }

    /// A worker to answer a stream of queries with.
    pub fn worker(&self) -> Worker<'_> {
        Worker {
            handler: self,
            snapshots: self.engine.snapshots(),
            query: Query::new(),
            name: String::new(),
            text: String::new(),
            answers: Vec::new(),
            soa: Vec::new(),
            soa_serial: None,
            out: Vec::new(),
        }
    }

    /// What the server sends back for the message `bytes`, over UDP (`udp`)
    /// or TCP, from a client that is `allowed` or not: see [`Worker::respond`].
    /// (A worker answers many messages; this makes one for one message.)
    pub fn respond_to_bytes(&self, bytes: &[u8], udp: bool, allowed: bool) -> Option<Vec<u8>> {
        self.worker()
            .respond(bytes, udp, allowed)
            .map(<[u8]>::to_vec)
    }
}

/// Answers queries one after the other, keeping what can be kept from one to
/// the next (see the module's documentation).
pub struct Worker<'h> {
    handler: &'h DnsHandler,
    snapshots: SnapshotCache<'h>,
    /// The engine's query, reused.
    query: Query,
    /// A name zone's name, as written.
    name: String,
    /// A TXT string.
    text: String,
    /// The answer section.
    answers: Vec<Record>,
    /// The SOA record of each zone, for the snapshot of `soa_serial`.
    soa: Vec<Record>,
    soa_serial: Option<u32>,
    /// The encoded answer.
    out: Vec<u8>,
}

impl Worker<'_> {
    /// What the server sends back for the message `bytes`, over UDP (`udp`)
    /// or TCP: nothing for a response, fewer than 12 bytes or a question
    /// written with compression pointers (no resolver writes one, and it
    /// could not be echoed as received); FORMERR for a message that does not
    /// parse; REFUSED when the client is not `allowed`; otherwise the
    /// answer. Over UDP an answer holds at most 512 bytes, or the client's
    /// EDNS size up to [`MAX_UDP_PAYLOAD`], with TC set when records were
    /// left out.
    pub fn respond(&mut self, bytes: &[u8], udp: bool, allowed: bool) -> Option<&[u8]> {
        let request = match Request::parse(bytes) {
            Parsed::Ignored => return None,
            Parsed::Malformed(asked) => {
                let mut metadata = Metadata::response_from_request(&asked);
                metadata.response_code = ResponseCode::FormErr;
                encode(
                    &mut self.out,
                    &metadata,
                    Questions::NONE,
                    &[],
                    None,
                    None,
                    udp,
                );
                return Some(&self.out);
            }
            Parsed::Request(r) => r,
        };
        let mut metadata = Metadata::response_from_request(&request.metadata);
        if !allowed {
            metadata.response_code = ResponseCode::Refused;
            encode(
                &mut self.out,
                &metadata,
                request.questions,
                &[],
                None,
                None,
                udp,
            );
            return Some(&self.out);
        }
        let edns = request.edns.as_ref().map(|asked| {
            let mut e = Edns::new();
            e.set_max_payload(asked.max_payload().clamp(512, MAX_UDP_PAYLOAD));
            e.set_version(0);
            e
        });
        self.answers.clear();
        let mut authority = None;
        metadata.response_code = self.answer(&request, &mut metadata, &mut authority);
        let authority = authority.map(|z| &self.soa[z]);
        encode(
            &mut self.out,
            &metadata,
            request.questions,
            &self.answers,
            authority,
            edns.as_ref(),
            udp,
        );
        Some(&self.out)
    }

    /// Lets go of a replaced artifact when no query has come for a while.
    pub fn refresh(&mut self) {
        self.snapshots.load();
    }

    /// Fills the answer section and `metadata`'s flags; the response code,
    /// and in `authority` the zone whose SOA goes in the authority section.
    fn answer(
        &mut self,
        request: &Request<'_>,
        metadata: &mut Metadata,
        authority: &mut Option<usize>,
    ) -> ResponseCode {
        if request.edns.as_ref().is_some_and(|e| e.version() > 0) {
            return ResponseCode::BADVERS;
        }
        if request.metadata.op_code != OpCode::Query {
            return ResponseCode::NotImp;
        }
        let Some(question) = &request.question else {
            return ResponseCode::FormErr;
        };
        let handler = self.handler;
        let name = question.name();
        let Some((zone_index, zone, under)) =
            handler.zones.iter().enumerate().find_map(|(i, z)| {
                zone::labels_under(name.iter(), &z.apex_labels).map(|under| (i, z, under))
            })
        else {
            return ResponseCode::Refused;
        };
        let qtype = question.query_type();
        if question.query_class() != DNSClass::IN
            || matches!(qtype, RecordType::AXFR | RecordType::IXFR)
        {
            return ResponseCode::Refused;
        }
        metadata.authoritative = true;
        let target = zone::target(zone.kind, name.iter().take(under), &mut self.name);
        let snapshot = self.snapshots.load();
        if self.soa_serial != Some(snapshot.serial()) {
            self.soa.clear();
            self.soa.extend(
                handler
                    .zones
                    .iter()
                    .map(|z| z.soa(handler.ttl, snapshot.serial())),
            );
            self.soa_serial = Some(snapshot.serial());
        }
        let mut fill = Fill {
            zone,
            ttl: handler.ttl,
            name,
            qtype,
            answers: &mut self.answers,
            text: &mut self.text,
        };
        let outcome = match target {
            Target::Apex => Ok(fill.apex(&self.soa[zone_index])),
            Target::NonTerminal => Ok(Outcome::NoData),
            Target::Nothing => Ok(Outcome::NxDomain),
            Target::TestListed(asked) => fill.listed(zone.a, |txt, out| {
                let texts = Texts {
                    list: &"test",
                    entry: &asked,
                    reason: &"RFC 5782 test point",
                    value: &asked,
                    query: &asked,
                };
                txt.render_line_into(&texts, MAX_TXT, out);
                Ok(())
            }),
            Target::Ip { ip, prefix_too } => {
                self.query.set_ip(ip);
                let decided = snapshot.decide_query(zone.policy, &self.query);
                fill.decided(decided, Asked::Ip(ip), prefix_too)
            }
            Target::Name(written) => match self.query.set_domain(written) {
                // An invalid name is not listed.
                Err(_) => Ok(Outcome::NxDomain),
                Ok(()) => {
                    let decided = snapshot.decide_query(zone.policy, &self.query);
                    fill.decided(decided, Asked::Name(written), false)
                }
            },
        };
        let outcome = outcome.unwrap_or_else(|e| {
            if snapshot.first_failure() {
                log::line(format_args!(
                    "lookup failed, answering SERVFAIL (artifact {}): {e}",
                    snapshot.content_hash()
                ));
            }
            Outcome::ServFail
        });
        match outcome {
            Outcome::Answer => ResponseCode::NoError,
            Outcome::NoData => {
                *authority = Some(zone_index);
                ResponseCode::NoError
            }
            Outcome::NxDomain => {
                *authority = Some(zone_index);
                ResponseCode::NXDomain
            }
            Outcome::ServFail => {
                metadata.authoritative = false;
                ResponseCode::ServFail
            }
        }
    }
}

/// How a query in a zone is answered.
enum Outcome {
    /// With the records of the answer section.
    Answer,
    /// NOERROR without records, the zone's SOA in the authority section.
    NoData,
    /// NXDOMAIN, the zone's SOA in the authority section.
    NxDomain,
    /// SERVFAIL: the artifact cannot be read.
    ServFail,
}

/// One query being answered in a zone.
struct Fill<'a> {
    zone: &'a Zone,
    ttl: u32,
    name: &'a Name,
    qtype: RecordType,
    answers: &'a mut Vec<Record>,
    text: &'a mut String,
}

impl Fill<'_> {
    fn apex(&mut self, soa: &Record) -> Outcome {
        match self.qtype {
            RecordType::SOA | RecordType::ANY => self.answers.push(soa.clone()),
            RecordType::NS => {
                for ns in &self.zone.ns {
                    self.answers.push(Record::from_rdata(
                        self.name.clone(),
                        self.ttl,
                        RData::NS(NS(ns.clone())),
                    ));
                }
            }
            _ => return Outcome::NoData,
        }
        Outcome::Answer
    }

    /// The answer for a decided lookup; an error is why the artifact
    /// cannot be read.
    fn decided(
        &mut self,
        decided: Result<Option<HitRef<'_>>, Unavailable>,
        asked: Asked<'_>,
        prefix_too: bool,
    ) -> Result<Outcome, String> {
        match decided.map_err(|e| e.0)? {
            Some(hit) => {
                let list = hit.list();
                let a = self
                    .zone
                    .answers
                    .iter()
                    .find(|(l, _)| l == list)
                    .map_or(self.zone.a, |&(_, a)| a);
                // The hit's texts are read only for a TXT answer.
                self.listed(a, |txt, out| {
                    let entry = hit.entry()?;
                    let reason = hit.reason()?;
                    let texts = Texts {
                        list: &list,
                        entry: &entry,
                        reason: &reason,
                        value: hit.value(),
                        query: &asked,
                    };
                    txt.render_line_into(&texts, MAX_TXT, out);
                    Ok(())
                })
            }
            None if prefix_too => Ok(Outcome::NoData),
            None => Ok(Outcome::NxDomain),
        }
    }

    /// The answer for a listed name: `a`, or the TXT that `render` writes
    /// with the zone's template.
    fn listed(
        &mut self,
        a: Ipv4Addr,
        render: impl FnOnce(&Template, &mut String) -> Result<(), mxlists_core::Error>,
    ) -> Result<Outcome, String> {
        match self.qtype {
            RecordType::A | RecordType::ANY => self.answers.push(Record::from_rdata(
                self.name.clone(),
                self.ttl,
                RData::A(A(a)),
            )),
            RecordType::TXT if !self.zone.txt.is_empty() => {
                render(&self.zone.txt, self.text).map_err(|e| e.to_string())?;
                self.answers.push(Record::from_rdata(
                    self.name.clone(),
                    self.ttl,
                    RData::TXT(TXT::from_bytes(vec![self.text.as_bytes()])),
                ));
            }
            _ => return Ok(Outcome::NoData),
        }
        Ok(Outcome::Answer)
    }
}

/// A query as read from the wire.
struct Request<'m> {
    metadata: Metadata,
    /// The question section, as received.
    questions: Questions<'m>,
    /// The question, when there is exactly one.
    question: Option<Question>,
    /// The client's OPT record.
    edns: Option<Edns>,
}

/// What reading a message gave.
enum Parsed<'m> {
    /// A message that gets no answer.
    Ignored,
    /// A query that does not parse, with its header.
    Malformed(Metadata),
    /// A query.
    Request(Request<'m>),
}

impl<'m> Request<'m> {
    /// Reads a whole message with hickory-proto (every section, as a
    /// client's message must parse as a whole).
    fn parse(bytes: &'m [u8]) -> Parsed<'m> {
        let mut decoder = BinDecoder::new(bytes);
        let Ok(Header { metadata, counts }) = Header::read(&mut decoder) else {
            return Parsed::Ignored;
        };
        // Never answer a response (no reflection, no loops).
        if metadata.message_type == MessageType::Response {
            return Parsed::Ignored;
        }
        let start = decoder.index();
        let mut question = None;
        let mut written = 0;
        let mut first_labels = 0;
        for i in 0..counts.queries {
            let Ok(q) = Question::read(&mut decoder) else {
                return Parsed::Malformed(metadata);
            };
            let labels: usize = q.name().iter().map(|l| 1 + l.len()).sum();
            written += labels + 1 + 4;
            if i == 0 {
                first_labels = labels;
                question = Some(q);
            }
        }
        let end = decoder.index();
        let op = metadata.op_code;
        let mut edns = None;
        for (count, additional) in [
            (counts.answers, false),
            (counts.authorities, false),
            (counts.additionals, true),
        ] {
            match Message::read_records(&mut decoder, usize::from(count), additional, op) {
                Ok((_, e, _)) => edns = edns.or(e),
                Err(_) => return Parsed::Malformed(metadata),
            }
        }
        // A name that ends in a pointer is shorter or longer on the wire
        // than written out: the pointed-to suffix (the root, 1 byte, or
        // labels, 3 bytes or more) is replaced by 2 bytes. So equal lengths
        // mean that no name of the section is compressed.
        if written != end - start {
            return Parsed::Ignored;
        }
        Parsed::Request(Request {
            metadata,
            questions: Questions {
                bytes: &bytes[start..end],
                count: usize::from(counts.queries),
                first_labels,
            },
            question: question.filter(|_| counts.queries == 1),
            edns,
        })
    }
}

/// A question section as received, echoed in the answer.
#[derive(Clone, Copy)]
struct Questions<'m> {
    bytes: &'m [u8],
    count: usize,
    /// The length of the first question's name on the wire, without the
    /// root label.
    first_labels: usize,
}

impl Questions<'_> {
    const NONE: Questions<'static> = Questions {
        bytes: &[],
        count: 0,
        first_labels: 0,
    };
}

impl EmitAndCount for Questions<'_> {
    fn emit(&mut self, encoder: &mut BinEncoder<'_>) -> Result<usize, ProtoError> {
        let start = encoder.offset();
        encoder.emit_vec(self.bytes)?;
        // The question's name (uncompressed, as received) is where the
        // answer's owner names point.
        if self.first_labels > 0 && matches!(encoder.name_encoding(), NameEncoding::Compressed) {
            encoder.store_label_pointer(start, start + self.first_labels);
        }
        Ok(self.count)
    }
}

/// Encodes an answer into `out` (cleared first): over UDP at most 512 bytes,
/// or the EDNS size, with TC set when records were left out; SERVFAIL when
/// the answer cannot be encoded.
fn encode(
    out: &mut Vec<u8>,
    metadata: &Metadata,
    mut questions: Questions<'_>,
    answers: &[Record],
    authority: Option<&Record>,
    edns: Option<&Edns>,
    udp: bool,
) {
    out.clear();
    let mut encoder = BinEncoder::new(out);
    encoder.set_max_size(match (edns, udp) {
        (_, false) => u16::MAX,
        (Some(e), true) => e.max_payload(),
        (None, true) => 512,
    });
    let emitted = emit_message_parts(
        metadata,
        &mut questions,
        &mut answers.iter(),
        &mut authority.into_iter(),
        &mut std::iter::empty::<&Record>(),
        edns,
        None,
        &mut encoder,
    );
    if emitted.is_ok() {
        return;
    }
    // An answer that cannot be encoded: SERVFAIL, header only.
    out.clear();
    let mut metadata = *metadata;
    metadata.response_code = ResponseCode::ServFail;
    metadata.authoritative = false;
    let header = Header {
        metadata,
        counts: HeaderCounts::default(),
    };
    let _ = header.emit(&mut BinEncoder::new(out));
}

fn zone(z: &ZoneConfig, policy: PolicyId, snapshot: &Snapshot) -> Result<Zone, EngineError> {
    let kind = match snapshot.form(policy) {
        Form::Ip => ZoneKind::Ip,
        Form::Names => ZoneKind::Names,
        Form::Mixed => {
            return Err(EngineError(format!(
                "{}: zone {} mixes IP lists and name lists: a zone answers either reversed \
                 IP addresses or names; make two zones",
                z.lists.at, z.name
            )))
        }
    };
    Ok(Zone {
        apex: z.name.clone(),
        apex_labels: z.name.iter().map(<[u8]>::to_ascii_lowercase).collect(),
        kind,
        policy,
        a: z.a,
        answers: z.answers.clone(),
        txt: z.txt.clone(),
        ns: z.ns.clone(),
        hostmaster: z.hostmaster.clone(),
    })
}
