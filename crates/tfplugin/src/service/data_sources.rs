//! Data source RPCs: ReadDataSource.

use super::ProviderService;
use super::support::{decode, encode, no_result, stopped, traced};
use crate::diag::Diagnostics;
use crate::proto::tfplugin6 as pb;
use crate::provider::Provider;
use crate::wire;

impl<P: Provider> ProviderService<P> {
    pub(super) async fn handle_read_data_source(
        &self,
        request: pb::read_data_source::Request,
    ) -> pb::read_data_source::Response {
        traced("ReadDataSource", &request.type_name, async {
            let mut diags = Diagnostics::new();
            let mut response = pb::read_data_source::Response::default();
            if let Some(entry) = self.data_source(&request.type_name, &mut diags)
                && let Some(config) = decode(
                    request.config.as_ref(),
                    &entry.ty,
                    "configuration",
                    &mut diags,
                )
            {
                let ctx = self.context();
                match self
                    .unless_stopped(entry.handler.read(&config, &ctx, &mut diags))
                    .await
                {
                    None => diags.push(stopped(&format!("Reading {}", request.type_name))),
                    Some(None) if !diags.has_errors() => diags.push(no_result("Reading")),
                    Some(None) => {}
                    Some(Some(state)) => {
                        response.state =
                            encode(&state, &entry.ty, "data source result", &mut diags);
                    }
                }
            }
            response.diagnostics = wire::diagnostics(diags);
            response
        })
        .await
    }
}
