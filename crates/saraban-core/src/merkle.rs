//! RFC 6962 Merkle trees over an organisation's events: the tree head of
//! the first n leaves, inclusion proofs (leaf m is in the tree of size n)
//! and consistency proofs (the tree of size m is a prefix of the tree of
//! size n), with their verification as RFC 9162 §2.1 describes it.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(data);
    hasher.finalize().into()
}

/// `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The largest power of two smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    debug_assert!(n >= 2);
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// The tree head (MTH) of `leaves` (already leaf-hashed).
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The tree heads of the first `size` leaves, for each of `sizes` the
/// leaves reach, in one pass over them (not a tree per size): a log is
/// checked against all its checkpoints at once.
pub fn prefix_roots(leaves: &[Hash], sizes: impl IntoIterator<Item = u64>) -> HashMap<u64, Hash> {
    let mut wanted: Vec<u64> = sizes
        .into_iter()
        .filter(|&size| size <= leaves.len() as u64)
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut frontier = Frontier::default();
    let mut roots = HashMap::with_capacity(wanted.len());
    for size in wanted {
        while frontier.size() < size {
            frontier.push(leaves[frontier.size() as usize]);
        }
        roots.insert(size, frontier.root());
    }
    roots
}

/// The roots of the perfect subtrees that make up a tree of `size` leaves,
/// largest first: enough to extend the tree by a leaf and to give its head
/// without the leaves themselves (a log of a million events keeps at most
/// twenty of them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    nodes: Vec<Hash>,
}

impl Frontier {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf (already leaf-hashed).
    pub fn push(&mut self, leaf: Hash) {
        let mut node = leaf;
        // Each trailing one bit of the old size is a subtree of the same
        // height as the new node: they merge, like a carry.
        let mut carry = self.size;
        while carry & 1 == 1 {
            let left = self.nodes.pop().expect("a subtree per one bit of the size");
            node = node_hash(&left, &node);
            carry >>= 1;
        }
        self.nodes.push(node);
        self.size += 1;
    }

    /// The tree head (MTH) of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut nodes = self.nodes.iter().rev();
        match nodes.next() {
            None => Sha256::digest([]).into(),
            Some(last) => nodes.fold(*last, |right, left| node_hash(left, &right)),
        }
    }

    /// The subtree roots, concatenated, for storage beside the log's head.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.nodes.concat()
    }

    /// Reads `to_bytes` back for a tree of `size` leaves; `None` when the
    /// bytes are not one hash per one bit of the size.
    pub fn from_bytes(size: u64, bytes: &[u8]) -> Option<Frontier> {
        if bytes.len() != size.count_ones() as usize * 32 {
            return None;
        }
        let nodes = bytes
            .chunks_exact(32)
            .map(|chunk| chunk.try_into().expect("32 bytes"))
            .collect();
        Some(Frontier { size, nodes })
    }
}

/// The audit path of leaf `index` in the tree of `leaves` (RFC 6962 PATH).
pub fn inclusion_proof(leaves: &[Hash], index: usize) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    fn path(leaves: &[Hash], m: usize, out: &mut Vec<Hash>) {
        let n = leaves.len();
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            path(&leaves[..k], m, out);
            out.push(root(&leaves[k..]));
        } else {
            path(&leaves[k..], m - k, out);
            out.push(root(&leaves[..k]));
        }
    }
    let mut out = Vec::new();
    path(leaves, index, &mut out);
    Some(out)
}

/// The consistency proof from size `old` to the tree of `leaves` (RFC 6962
/// PROOF), for 0 < old ≤ leaves.len().
pub fn consistency_proof(leaves: &[Hash], old: usize) -> Option<Vec<Hash>> {
    if old == 0 || old > leaves.len() {
        return None;
    }
    fn subproof(leaves: &[Hash], m: usize, complete: bool, out: &mut Vec<Hash>) {
        let n = leaves.len();
        if m == n {
            if !complete {
                out.push(root(leaves));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            subproof(&leaves[..k], m, complete, out);
            out.push(root(&leaves[k..]));
        } else {
            subproof(&leaves[k..], m - k, false, out);
            out.push(root(&leaves[..k]));
        }
    }
    let mut out = Vec::new();
    subproof(leaves, old, true, &mut out);
    Some(out)
}

/// Checks that `leaf` is leaf `index` of the tree of `size` with `root`.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && &r == root
}

/// Checks that the tree of `old_size` with `old_root` is a prefix of the
/// tree of `new_size` with `new_root`.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old_size == 0 || old_size > new_size {
        return false;
    }
    if old_size == new_size {
        return proof.is_empty() && old_root == new_root;
    }
    let mut proof = proof.to_vec();
    if old_size.is_power_of_two() {
        proof.insert(0, *old_root);
    }
    let Some((first, rest)) = proof.split_first() else {
        return false;
    };
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && &fr == old_root && &sr == new_root
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("event {i}").as_bytes()))
            .collect()
    }

    /// Known answers computed from the definitions by hand-checked steps.
    #[test]
    fn small_trees_match_the_definition() {
        assert_eq!(
            hex::encode(root(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let l = leaves(3);
        assert_eq!(root(&l[..1]), l[0]);
        assert_eq!(root(&l[..2]), node_hash(&l[0], &l[1]));
        assert_eq!(root(&l), node_hash(&node_hash(&l[0], &l[1]), &l[2]));
        // The empty leaf of RFC 6962's test data.
        assert_eq!(
            hex::encode(leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn proofs_that_must_fail() {
        let l = leaves(13);
        let head = root(&l);
        let proof = inclusion_proof(&l, 6).unwrap();
        assert!(verify_inclusion(&l[6], 6, 13, &proof, &head));
        let mut flipped = proof.clone();
        flipped[1][0] ^= 1;
        assert!(
            !verify_inclusion(&l[6], 6, 13, &flipped, &head),
            "bit-flipped"
        );
        assert!(
            !verify_inclusion(&l[6], 6, 13, &proof[..proof.len() - 1], &head),
            "truncated"
        );
        assert!(!verify_inclusion(&l[6], 6, 8, &proof, &head), "wrong size");
        assert!(
            !verify_inclusion(&l[6], 5, 13, &proof, &head),
            "wrong index"
        );
        let old = root(&l[..7]);
        let consistency = consistency_proof(&l, 7).unwrap();
        assert!(verify_consistency(7, 13, &old, &head, &consistency));
        assert!(
            !verify_consistency(7, 13, &head, &old, &consistency),
            "swapped roots"
        );
        assert!(
            !verify_consistency(6, 13, &old, &head, &consistency),
            "wrong size"
        );
        assert!(
            !verify_consistency(7, 13, &old, &head, &consistency[1..]),
            "truncated"
        );
    }

    proptest! {
        #[test]
        fn a_frontier_gives_every_prefix_its_root(count in 0usize..70) {
            let leaves: Vec<Hash> = (0..count).map(|i| leaf_hash(&i.to_be_bytes())).collect();
            let mut frontier = Frontier::default();
            prop_assert_eq!(frontier.root(), root(&[]));
            for (i, leaf) in leaves.iter().enumerate() {
                frontier.push(*leaf);
                prop_assert_eq!(frontier.root(), root(&leaves[..=i]));
                let stored = Frontier::from_bytes(frontier.size(), &frontier.to_bytes());
                prop_assert_eq!(stored.as_ref(), Some(&frontier));
            }
        }

        #[test]
        fn prefix_roots_are_the_prefixes_roots(n in 0usize..70, sizes in prop::collection::vec(0u64..80, 0..8)) {
            let l = leaves(n);
            let roots = prefix_roots(&l, sizes.iter().copied());
            for size in sizes {
                let expected = (size <= n as u64).then(|| root(&l[..size as usize]));
                prop_assert_eq!(roots.get(&size).copied(), expected);
            }
        }
    }

    proptest! {
        #[test]
        fn every_inclusion_proof_verifies(n in 1usize..70, pick in any::<prop::sample::Index>()) {
            let l = leaves(n);
            let head = root(&l);
            let m = pick.index(n);
            let proof = inclusion_proof(&l, m).unwrap();
            prop_assert!(verify_inclusion(&l[m], m as u64, n as u64, &proof, &head));
            let other = leaf_hash(b"not in the log");
            prop_assert!(!verify_inclusion(&other, m as u64, n as u64, &proof, &head));
        }

        #[test]
        fn every_consistency_proof_verifies(n in 1usize..70, pick in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>()) {
            let l = leaves(n);
            let m = pick.index(n) + 1;
            let (old, new) = (root(&l[..m]), root(&l));
            let proof = consistency_proof(&l, m).unwrap();
            prop_assert!(verify_consistency(m as u64, n as u64, &old, &new, &proof));
            // A rewritten history is caught: change one old leaf.
            let mut forged = l.clone();
            let victim = flip.index(m);
            forged[victim] = leaf_hash(b"rewritten");
            let forged_old = root(&forged[..m]);
            prop_assert!(!verify_consistency(m as u64, n as u64, &forged_old, &new, &proof));
        }
    }
}
