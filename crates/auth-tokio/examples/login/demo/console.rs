//! Where the demo reads answers from and writes to: the terminal, or (in tests) scripted
//! input and captured output.

use std::io::{self, BufRead, IsTerminal, Write};

/// Reads one answer; `secret` answers are not echoed. `None`: no more input.
pub type Input = Box<dyn FnMut(&str, bool) -> Option<String> + Send>;

/// The demo's input and output.
pub struct Console {
    /// Questions, progress and results.
    pub out: Box<dyn Write + Send>,
    /// Errors.
    pub err: Box<dyn Write + Send>,
    /// Answers; taken while a read is in progress (a read abandoned by a cancelled login
    /// leaves none).
    input: Option<Input>,
    /// Whether answers can be asked for (standard input is a terminal).
    pub interactive: bool,
    /// Whether the password check may animate a spinner on standard error.
    pub spinner: bool,
    /// Whether answers are written to `out` after they are read (input that is not a
    /// terminal does not show what was typed).
    echo: bool,
}

impl Console {
    /// The process's terminal (or whatever standard input and output are).
    pub fn terminal() -> Console {
        let input: Input = Box::new(|_question, secret| {
            if secret && io::stdin().is_terminal() {
                return rpassword::read_password().ok();
            }
            let mut line = String::new();
            match io::stdin().lock().read_line(&mut line) {
                Ok(0) | Err(_) => None,
                Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_owned()),
            }
        });
        Console {
            out: Box::new(io::stdout()),
            err: Box::new(io::stderr()),
            input: Some(input),
            interactive: io::stdin().is_terminal(),
            spinner: io::stderr().is_terminal(),
            echo: false,
        }
    }

    /// A console with the given parts (tests).
    #[allow(dead_code)]
    pub fn new(
        out: Box<dyn Write + Send>,
        err: Box<dyn Write + Send>,
        input: Input,
        interactive: bool,
    ) -> Console {
        Console {
            out,
            err,
            input: Some(input),
            interactive,
            spinner: false,
            echo: true,
        }
    }

    /// Writes a line to `out` (output errors are not worth failing the login for).
    pub fn say(&mut self, line: &str) {
        let _ = writeln!(self.out, "{line}");
        let _ = self.out.flush();
    }

    /// Writes a line to `err`.
    pub fn error(&mut self, line: &str) {
        let _ = writeln!(self.err, "{line}");
        let _ = self.err.flush();
    }

    /// Asks `question` and reads the answer off the runtime (reading blocks). `None`: no
    /// more input.
    pub async fn ask(&mut self, question: &str, secret: bool) -> Option<String> {
        let _ = write!(self.out, "{question}");
        let _ = self.out.flush();
        let mut input = self.input.take()?;
        let question = question.to_owned();
        let (input, answer) = tokio::task::spawn_blocking(move || {
            let answer = input(&question, secret);
            (input, answer)
        })
        .await
        .ok()?;
        self.input = Some(input);
        match &answer {
            Some(_) if secret && self.echo => self.say("********"),
            Some(text) if self.echo => self.say(text),
            Some(_) => {}
            None => self.say(""),
        }
        answer
    }
}
