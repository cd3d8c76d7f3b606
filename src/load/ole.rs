//! A check of OLE compound files (`.xls`, and workbooks saved with a
//! password) before calamine reads them.
//!
//! A compound file is a chain of sectors: each entry of its allocation table
//! (FAT, and the mini FAT for small streams) names the next sector of a
//! stream. calamine follows a chain until its end marker or the stream's
//! length, so a chain that loops back makes it read the same sectors
//! forever: memory grows until the process dies, or, on an empty sector, it
//! never returns (found by fuzzing: FUZZING.md). A genuine file has no loop;
//! this module finds one the way calamine reads the tables.

const SIGNATURE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const RESERVED: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;

/// Whether the allocation tables of a compound file hold a loop. Bytes that
/// are not a readable compound file have none: calamine reports those.
pub fn has_sector_loop(bytes: &[u8]) -> bool {
    if bytes.len() < 512 || !bytes.starts_with(SIGNATURE) {
        return false;
    }
    let size: usize = match u16_at(bytes, 30) {
        9 => 512,
        12 => 4096,
        _ => return false,
    };
    // Sector `id` follows the header, which takes one sector. As calamine
    // reads them, ids past the file's length are errors, and a sector cut
    // off by the end of the file reads as zeros once it has been asked for.
    let maxid = bytes.len() / size;
    let sector = |id: u32| -> Option<Vec<u8>> {
        let id = id as usize;
        if id > maxid {
            return None;
        }
        let start = ((id + 1) * size).min(bytes.len());
        let mut s = bytes[start..((id + 2) * size).min(bytes.len())].to_vec();
        s.resize(size, 0);
        Some(s)
    };
    // The FAT: the sectors the header's DIFAT names, then its DIFAT chain.
    let mut difat: Vec<u32> = u32s(&bytes[76..512]).collect();
    let mut id = u32_at(bytes, 68);
    let mut hops = 0;
    while id < RESERVED {
        hops += 1;
        let Some(s) = sector(id).filter(|_| hops <= maxid + 1) else {
            return false;
        };
        difat.extend(u32s(&s));
        let Some(next) = difat.pop() else {
            return false;
        };
        id = next;
    }
    let mut fat = Vec::new();
    for id in difat.into_iter().filter(|id| *id < DIFSECT) {
        let Some(s) = sector(id) else {
            return false;
        };
        fat.extend(u32s(&s));
    }
    if loops(&fat, maxid) {
        return true;
    }
    // The mini FAT, a stream of its own (its chain now known to end).
    let mini_len = u32_at(bytes, 64) as usize * size;
    if mini_len == 0 {
        return false;
    }
    let mut mini = Vec::new();
    let mut id = u32_at(bytes, 60);
    while id != END_OF_CHAIN && mini.len() < mini_len {
        let (Some(s), Some(next)) = (sector(id), fat.get(id as usize)) else {
            break;
        };
        mini.extend_from_slice(&s[..s.len().min(mini_len - mini.len())]);
        id = *next;
    }
    let mini_fat: Vec<u32> = u32s(&mini).collect();
    loops(&mini_fat, maxid * 8)
}

/// Whether following `table` from some entry comes back to it, on entries
/// up to `maxid` (the others end a chain, as the readers refuse them).
fn loops(table: &[u32], maxid: usize) -> bool {
    let next = |i: usize| {
        let n = table[i] as usize;
        (n < table.len() && n <= maxid).then_some(n)
    };
    // 0: not seen, 1: on the path being followed, 2: known to end.
    let mut state = vec![0u8; table.len()];
    let mut path = Vec::new();
    for start in 0..table.len().min(maxid + 1) {
        let mut at = Some(start);
        while let Some(i) = at {
            match state[i] {
                1 => return true,
                2 => break,
                _ => {
                    state[i] = 1;
                    path.push(i);
                    at = next(i);
                }
            }
        }
        for i in path.drain(..) {
            state[i] = 2;
        }
    }
    false
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn u32s(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_that_comes_back_is_a_loop() {
        assert!(loops(&[1, 2, 0], 10));
        assert!(loops(&[0], 10));
        assert!(!loops(&[1, 2, END_OF_CHAIN], 10));
        assert!(!loops(&[1, 0xFFFF_FFFF, 1], 10));
        // An entry past `maxid` ends the chain: the reader refuses it.
        assert!(!loops(&[1, 0], 0));
    }

    #[test]
    fn other_bytes_have_no_loop() {
        assert!(!has_sector_loop(b""));
        assert!(!has_sector_loop(&[0xD0; 600]));
        assert!(!has_sector_loop(b"PK\x03\x04"));
    }
}
