//! `mirai llm-sim --listen ADDR`: the local OpenAI-compatible server with scripted behaviours
//! (`mirai_llm::sim`), for trying the model path offline. Point `OPENAI_BASE_URL` at
//! `http://ADDR/v1` and choose the behaviour with `OPENAI_MODEL` (docs/ai.md lists them).

use std::net::SocketAddr;

use clap::Args;

use super::Failure;

#[derive(Debug, Args)]
pub struct LlmSimArgs {
    /// Where to listen. Loopback by default: the simulator has no authentication.
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
}

pub fn llm_sim(args: &LlmSimArgs) -> Result<(), Failure> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::System(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| Failure::System(format!("cannot listen on {}: {e}", args.listen)))?;
        let addr = listener.local_addr().map_err(|e| Failure::System(e.to_string()))?;
        eprintln!("llm-sim: OpenAI-compatible chat completions at http://{addr}/v1 (Ctrl-C stops)");
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        mirai_llm::sim::serve(listener, mirai_llm::sim::Sim::new(), stop)
            .await
            .map_err(|e| Failure::System(format!("the simulator stopped: {e}")))
    })
}
