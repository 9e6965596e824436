//! JUnit XML of a batch: one `<testsuite>` per grid point, one `<testcase>` per expectation
//! per member, a `<failure>` for each expectation that did not hold. CI systems (GitLab,
//! Jenkins, GitHub test reporters) read this format; it carries no timings so that it is
//! identical for a run and a merge of its shards.

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::results::{Manifest, MemberResult, short};

/// The JUnit XML document.
pub fn junit_xml(manifest: &Manifest, members: &[MemberResult]) -> io::Result<String> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let tests: usize = members.iter().map(|m| m.expectations.len()).sum();
    let failures: usize = members.iter().map(|m| m.expectations.iter().filter(|e| !e.passed).count()).sum();
    let mut points: Vec<usize> = members.iter().map(|m| m.point).collect();
    points.dedup();
    w.create_element("testsuites")
        .with_attribute(("name", manifest.sweep.as_str()))
        .with_attribute(("tests", tests.to_string().as_str()))
        .with_attribute(("failures", failures.to_string().as_str()))
        .with_attribute(("errors", "0"))
        .write_inner_content(|w| {
            for p in points {
                let group: Vec<&MemberResult> = members.iter().filter(|m| m.point == p).collect();
                suite(w, manifest, p, &group)?;
            }
            Ok(())
        })?;
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    String::from_utf8(bytes).map_err(io::Error::other)
}

fn suite(w: &mut Writer<Vec<u8>>, manifest: &Manifest, point: usize, members: &[&MemberResult]) -> io::Result<()> {
    let axes: Vec<String> = members[0]
        .params
        .iter()
        .filter(|p| manifest.axes.contains(&p.name))
        .map(|p| format!("{}={}", p.name, p.value))
        .collect();
    let name =
        if axes.is_empty() { manifest.sweep.clone() } else { format!("{}: {}", manifest.sweep, axes.join(", ")) };
    let tests: usize = members.iter().map(|m| m.expectations.len()).sum();
    let failures: usize = members.iter().map(|m| m.expectations.iter().filter(|e| !e.passed).count()).sum();
    let classname = format!("sweep.point{point}");
    w.create_element("testsuite")
        .with_attribute(("name", name.as_str()))
        .with_attribute(("tests", tests.to_string().as_str()))
        .with_attribute(("failures", failures.to_string().as_str()))
        .with_attribute(("errors", "0"))
        .write_inner_content(|w| {
            for m in members {
                for e in &m.expectations {
                    let case =
                        format!("member {} (replicate {}, seed {}): {}", m.index, m.replicate, m.seed, e.expectation);
                    let el = w
                        .create_element("testcase")
                        .with_attribute(("classname", classname.as_str()))
                        .with_attribute(("name", case.as_str()));
                    if e.passed {
                        el.write_empty()?;
                    } else {
                        let message = format!("measured {}", short(e.measured.0));
                        let body = format!("{}: {} — {message}", m.label(), e.expectation);
                        el.write_inner_content(|w| {
                            w.create_element("failure")
                                .with_attribute(("message", message.as_str()))
                                .with_attribute(("type", "expectation"))
                                .write_text_content(BytesText::new(&body))?;
                            Ok(())
                        })?;
                    }
                }
            }
            Ok(())
        })?;
    Ok(())
}
