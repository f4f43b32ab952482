//! The Postfix fronts: socketmap tables ([`socketmap`]) and the policy
//! delegation service ([`policy`]), each on a bounded listener.

pub mod policy;
pub mod socketmap;
