//! `goldarena user ...`: accounts from the command line. This is how the
//! first admin is made; there is no default account or password anywhere.
//! Passwords are read from standard input (one line; not echoed on a
//! terminal), so the commands can be scripted.

use std::io::{BufRead, IsTerminal};

use anyhow::Context;
use clap::Subcommand;
use sea_orm::DatabaseConnection;

use crate::auth::Actor;
use crate::auth::users::{self as accounts, NewAccount};
use crate::domain::{Email, Password, Role};
use crate::store;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        /// voter, expert, operator or admin.
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: Option<String>,
        /// A specialty tag (cardiology, pharmacy, ...); repeat for several.
        #[arg(long = "specialty", value_name = "S")]
        specialties: Vec<String>,
        /// A language the user judges in (en, zh, ...); repeat for several.
        #[arg(long = "language", value_name = "L")]
        languages: Vec<String>,
        /// A note on the user's credentials (licence number, hospital).
        #[arg(long)]
        credential: Option<String>,
    },
    /// List every user.
    List,
    /// Change a user's role.
    SetRole {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
    },
    /// Disable a user: no login, and their sessions end at once.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Set a new password (read from standard input); ends the user's sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

fn read_password() -> anyhow::Result<Password> {
    let line = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ").context("cannot read the password")?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    Password::parse(&line).map_err(anyhow::Error::msg)
}

fn email(text: &str) -> anyhow::Result<Email> {
    Email::parse(text).map_err(anyhow::Error::msg)
}

/// # Errors
/// On a bad email, role or password, an unknown or duplicate user, or a
/// database error.
pub async fn run(command: &UserCommand, db: &DatabaseConnection) -> anyhow::Result<()> {
    let actor = Actor::cli();
    match command {
        UserCommand::Add {
            email: e,
            role,
            name,
            specialties,
            languages,
            credential,
        } => {
            let account = NewAccount {
                email: email(e)?,
                role: Role::parse(role).map_err(anyhow::Error::msg)?,
                name: name.clone(),
                specialties: specialties.clone(),
                languages: languages.clone(),
                credential: credential.clone(),
                password: read_password()?,
            };
            let user = accounts::add(db, &actor, account).await?;
            println!("added {} ({})", user.email, user.role);
        }
        UserCommand::List => {
            let users = store::users::list(db).await?;
            println!("{:<40} {:<9} {:<9} NAME", "EMAIL", "ROLE", "STATUS");
            for u in &users {
                println!(
                    "{:<40} {:<9} {:<9} {}",
                    u.email,
                    u.role.as_str(),
                    if u.disabled { "disabled" } else { "active" },
                    u.name.as_deref().unwrap_or("")
                );
            }
            println!("{} user(s)", users.len());
        }
        UserCommand::SetRole { email: e, role } => {
            let role = Role::parse(role).map_err(anyhow::Error::msg)?;
            let user = accounts::set_role(db, &actor, &email(e)?, role).await?;
            println!("{} is now {}", user.email, user.role);
        }
        UserCommand::Disable { email: e } => {
            let user = accounts::set_disabled(db, &actor, &email(e)?, true).await?;
            println!("disabled {}", user.email);
        }
        UserCommand::ResetPassword { email: e } => {
            let password = read_password()?;
            let user = accounts::reset_password(db, &actor, &email(e)?, password).await?;
            println!(
                "new password set for {}; their sessions have ended",
                user.email
            );
        }
    }
    Ok(())
}
