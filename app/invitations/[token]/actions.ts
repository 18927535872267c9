"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { forgetCaller } from "@/lib/api/resolve-customer";
import { validatedActionWithAccount, type ActionState } from "@/lib/auth/validated-action";
import { getDb } from "@/lib/db";
import { acceptInvitation } from "@/lib/teams/invitations";

// Server action – accept an invitation as the signed-in person (their verified email must be the
// invited one), then act for the team on the dashboard. A POST, so a link preview never accepts.
export const acceptInvitationAction = validatedActionWithAccount(
  z.object({ token: z.string("This invitation link is not valid.").min(1).max(200) }),
  async ({ token }, account): Promise<ActionState<never>> => {
    await acceptInvitation(getDb(), account, token);
    await forgetCaller(account.auth0UserId);
    revalidatePath("/dashboard", "layout");
    redirect("/dashboard");
  },
  {
    permission: null,
    event: "team.invitation_accept_failed",
    message: "The invitation could not be accepted. Try again in a moment.",
  },
);
