//! The DNS request handler: a parsed request in, the records of its answer
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
//! | not one question | FORMERR |
//! | an opcode other than QUERY | NOTIMP |
//! | EDNS version above 0 | BADVERS |
//! | the artifact cannot be read | SERVFAIL (logged once per artifact) |

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use hickory_server::net::runtime::Time;
use hickory_server::net::xfer::Protocol;
use hickory_server::proto::op::{
    Edns, Header, HeaderCounts, MessageType, Metadata, OpCode, ResponseCode,
};
use hickory_server::proto::rr::rdata::{A, NS, SOA, TXT};
use hickory_server::proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_server::proto::serialize::binary::{
    BinDecodable, BinDecoder, BinEncodable, BinEncoder,
};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::{MessageResponseBuilder, Queries};

use super::zone::{self, Target, ZoneKind};
use crate::config::{DnsConfig, ZoneConfig};
use crate::engine::{Engine, EngineError, Form, Listing, PolicyId, Snapshot, Subject};
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

/// The records of one answer.
#[derive(Debug)]
pub struct Answer {
    /// The header.
    pub metadata: Metadata,
    /// The answer section.
    pub answers: Vec<Record>,
    /// The authority section.
    pub authorities: Vec<Record>,
    /// The OPT record, when the query had one.
    pub edns: Option<Edns>,
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

    /// Whether `request` can be answered at all. hickory echoes the question
    /// section as it was received; a question written with compression
    /// pointers would point at the wrong bytes in the answer, so such a
    /// request (never sent by a real resolver) gets no answer.
    pub fn answerable(request: &Request) -> bool {
        // A name that ends in a pointer is shorter or longer on the wire than
        // written out: the pointed-to suffix (the root, 1 byte, or labels, 3
        // bytes or more) is replaced by 2 bytes. So equal lengths mean that no
        // name of the section is compressed.
        let written: usize = request
            .queries
            .queries()
            .iter()
            .map(|q| {
                q.original()
                    .name()
                    .iter()
                    .map(|l| 1 + l.len())
                    .sum::<usize>()
                    + 1
                    + 4
            })
            .sum();
        written == request.queries.as_bytes().len()
    }

    /// The answer to `request`.
    pub fn answer(&self, request: &Request) -> Answer {
        let mut out = Answer {
            metadata: Metadata::response_from_request(&request.metadata),
            answers: Vec::new(),
            authorities: Vec::new(),
            edns: request.edns.as_ref().map(|asked| {
                let mut e = Edns::new();
                e.set_max_payload(asked.max_payload().clamp(512, MAX_UDP_PAYLOAD));
                e.set_version(0);
                e
            }),
        };
        if let (Some(asked), Some(e)) = (&request.edns, out.edns.as_mut()) {
            if asked.version() > 0 {
                e.set_rcode_high(ResponseCode::BADVERS.high());
                out.metadata.response_code = ResponseCode::BADVERS;
                return out;
            }
        }
        if request.metadata.op_code != OpCode::Query {
            out.metadata.response_code = ResponseCode::NotImp;
            return out;
        }
        let [query] = request.queries.queries() else {
            out.metadata.response_code = ResponseCode::FormErr;
            return out;
        };
        let qtype = query.query_type();
        let name = query.original().name();
        let labels = zone::labels(name);
        let zone = self.zones.iter().find_map(|z| {
            zone::labels_under(&labels, &z.apex_labels)
                .map(|under| (z, zone::target(z.kind, under)))
        });
        let Some((zone, target)) = zone else {
            out.metadata.response_code = ResponseCode::Refused;
            return out;
        };
        if query.query_class() != DNSClass::IN
            || matches!(qtype, RecordType::AXFR | RecordType::IXFR)
        {
            out.metadata.response_code = ResponseCode::Refused;
            return out;
        }
        out.metadata.authoritative = true;
        let snapshot = self.engine.snapshot();
        let respond = Respond {
            zone,
            ttl: self.ttl,
            snapshot: &snapshot,
            name,
            qtype,
        };
        respond.fill(target, &mut out);
        out
    }

    /// What the server sends back for the message `bytes` from `src`, over
    /// UDP or TCP: nothing for fewer than 12 bytes, a response, or a question
    /// that cannot be echoed ([`DnsHandler::answerable`]); FORMERR for a
    /// message that does not parse; REFUSED when the client is not
    /// `allowed`; otherwise [`DnsHandler::answer`], encoded. hickory-proto
    /// parses and encodes. The UDP loop ([`super::udp`]) answers with it, and
    /// so do the fuzz target and tests; TCP goes through hickory-server.
    pub fn respond_to_bytes(
        &self,
        bytes: &[u8],
        src: SocketAddr,
        udp: bool,
        allowed: bool,
    ) -> Option<Vec<u8>> {
        let header = Header::read(&mut BinDecoder::new(bytes)).ok()?;
        let protocol = if udp { Protocol::Udp } else { Protocol::Tcp };
        match Request::from_bytes(bytes.to_vec(), src, protocol) {
            Ok(request)
                if request.metadata.message_type == MessageType::Response
                    || !Self::answerable(&request) =>
            {
                None
            }
            Ok(request) if !allowed => {
                let response = MessageResponseBuilder::new(&request.queries, None)
                    .error_msg(&request.metadata, ResponseCode::Refused);
                let mut out = Vec::with_capacity(bytes.len());
                response
                    .destructive_emit(&mut BinEncoder::new(&mut out))
                    .ok()?;
                Some(out)
            }
            Ok(request) => Some(Self::encode(&request, &self.answer(&request), udp)),
            Err(_) => {
                let queries = Queries::read(&mut BinDecoder::new(&[]), 0).ok()?;
                let response = MessageResponseBuilder::new(&queries, None)
                    .error_msg(&header.metadata, ResponseCode::FormErr);
                let mut out = Vec::with_capacity(12);
                let mut encoder = BinEncoder::new(&mut out);
                response.destructive_emit(&mut encoder).ok()?;
                Some(out)
            }
        }
    }

    /// Encodes `answer` to `request` as `udp` or TCP would carry it: over UDP
    /// at most 512 bytes, or the EDNS size, with TC set when records were left
    /// out; SERVFAIL when the answer cannot be encoded.
    pub fn encode(request: &Request, answer: &Answer, udp: bool) -> Vec<u8> {
        let builder = MessageResponseBuilder::new(&request.queries, answer.edns.as_ref());
        let response = builder.build(
            answer.metadata,
            &answer.answers,
            &answer.authorities,
            [],
            [],
        );
        let mut bytes = Vec::with_capacity(512);
        let mut encoder = BinEncoder::new(&mut bytes);
        encoder.set_max_size(match (&answer.edns, udp) {
            (_, false) => u16::MAX,
            (Some(e), true) => e.max_payload(),
            (None, true) => 512,
        });
        if response.destructive_emit(&mut encoder).is_ok() {
            return bytes;
        }
        // An answer that cannot be encoded: SERVFAIL, header only, as
        // hickory-server does.
        bytes.clear();
        let mut metadata = answer.metadata;
        metadata.response_code = ResponseCode::ServFail;
        let header = Header {
            metadata,
            counts: HeaderCounts::default(),
        };
        let _ = header.emit(&mut BinEncoder::new(&mut bytes));
        bytes
    }
}

/// One query being answered.
struct Respond<'a> {
    zone: &'a Zone,
    ttl: u32,
    snapshot: &'a Snapshot,
    name: &'a Name,
    qtype: RecordType,
}

impl Respond<'_> {
    fn fill(&self, target: Target, out: &mut Answer) {
        match target {
            Target::Apex => match self.qtype {
                RecordType::SOA | RecordType::ANY => out.answers.push(self.soa()),
                RecordType::NS => {
                    for ns in &self.zone.ns {
                        out.answers.push(Record::from_rdata(
                            self.name.clone(),
                            self.ttl,
                            RData::NS(NS(ns.clone())),
                        ));
                    }
                }
                _ => self.no_data(out),
            },
            Target::NonTerminal => self.no_data(out),
            Target::Nothing => self.nxdomain(out),
            Target::TestListed(text) => {
                let texts = Texts {
                    list: "test",
                    entry: &text,
                    reason: "RFC 5782 test point",
                    value: &text,
                    query: &text,
                };
                self.listed(self.zone.a, &texts, out);
            }
            Target::Ip { ip, prefix_too } => {
                let text = ip.to_string();
                let decided = self.snapshot.decide(self.zone.policy, Subject::Ip(ip));
                self.decided(decided, &text, prefix_too, out);
            }
            Target::Name(written) => {
                let decided = self
                    .snapshot
                    .decide(self.zone.policy, Subject::Domain(&written));
                self.decided(decided, &written, false, out);
            }
        }
    }

    fn decided(
        &self,
        decided: Result<Option<Listing>, crate::engine::Unavailable>,
        written: &str,
        prefix_too: bool,
        out: &mut Answer,
    ) {
        match decided {
            Ok(Some(l)) => {
                let a = self
                    .zone
                    .answers
                    .iter()
                    .find(|(list, _)| *list == l.list)
                    .map_or(self.zone.a, |&(_, a)| a);
                let texts = Texts {
                    list: &l.list,
                    entry: &l.entry,
                    reason: &l.reason,
                    value: &l.value,
                    query: written,
                };
                self.listed(a, &texts, out);
            }
            Ok(None) if prefix_too => self.no_data(out),
            Ok(None) => self.nxdomain(out),
            Err(e) => {
                if self.snapshot.first_failure() {
                    log::line(format_args!(
                        "lookup failed, answering SERVFAIL (artifact {}): {e}",
                        self.snapshot.content_hash()
                    ));
                }
                out.metadata.authoritative = false;
                out.metadata.response_code = ResponseCode::ServFail;
            }
        }
    }

    fn listed(&self, a: Ipv4Addr, texts: &Texts<'_>, out: &mut Answer) {
        match self.qtype {
            RecordType::A | RecordType::ANY => out.answers.push(Record::from_rdata(
                self.name.clone(),
                self.ttl,
                RData::A(A(a)),
            )),
            RecordType::TXT if !self.zone.txt.is_empty() => {
                let text = self.zone.txt.render_line(texts, MAX_TXT);
                out.answers.push(Record::from_rdata(
                    self.name.clone(),
                    self.ttl,
                    RData::TXT(TXT::from_bytes(vec![text.as_bytes()])),
                ));
            }
            _ => self.no_data(out),
        }
    }

    fn no_data(&self, out: &mut Answer) {
        out.authorities.push(self.soa());
    }

    fn nxdomain(&self, out: &mut Answer) {
        out.metadata.response_code = ResponseCode::NXDomain;
        out.authorities.push(self.soa());
    }

    fn soa(&self) -> Record {
        let z = self.zone;
        let mname = z.ns.first().cloned().unwrap_or_else(|| z.apex.clone());
        Record::from_rdata(
            z.apex.clone(),
            self.ttl,
            RData::SOA(SOA::new(
                mname,
                z.hostmaster.clone(),
                self.snapshot.serial(),
                SOA_REFRESH,
                SOA_RETRY,
                SOA_EXPIRE,
                self.ttl,
            )),
        )
    }
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

/// The handler as hickory-server's TCP listeners call it.
#[derive(Clone)]
pub struct Shared(pub std::sync::Arc<DnsHandler>);

#[async_trait::async_trait]
impl RequestHandler for Shared {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        if !DnsHandler::answerable(request) {
            let mut metadata = Metadata::response_from_request(&request.metadata);
            metadata.response_code = ResponseCode::FormErr;
            return ResponseInfo::from(Header {
                metadata,
                counts: HeaderCounts::default(),
            });
        }
        let answer = self.0.answer(request);
        let mut builder = MessageResponseBuilder::from_message_request(request);
        if let Some(e) = &answer.edns {
            builder.edns(e);
        }
        let response = builder.build(
            answer.metadata,
            &answer.answers,
            &answer.authorities,
            [],
            [],
        );
        match response_handle.send_response(response).await {
            Ok(info) => info,
            Err(_) => {
                let mut metadata = answer.metadata;
                metadata.response_code = ResponseCode::ServFail;
                ResponseInfo::from(Header {
                    metadata,
                    counts: HeaderCounts::default(),
                })
            }
        }
    }
}
