//! Users. A user is created at first sign-in together with a personal team.
