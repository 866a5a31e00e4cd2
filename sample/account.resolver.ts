import { UseGuards } from '@nestjs/common';
import { Field, ID, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { CurrentSession, Session, SessionGuard } from '../src/index.js';
import type { AppSession } from './app-session.js';
import { DevicesGateway } from './devices.gateway.js';

@ObjectType({ description: 'The signed-in user, as their session knows them' })
class Me {
  @Field(() => ID)
  userId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  role!: string;

  @Field(() => String, { description: "This session's handle, the one the devices list gives it" })
  sessionHandle!: string;
}

/** The same account operations as the JSON routes, over GraphQL; every field needs a session. */
@Resolver()
@UseGuards(SessionGuard)
export class AccountResolver {
  constructor(private readonly devices: DevicesGateway) {}

  @Query(() => Me)
  me(@CurrentSession() session: Session<AppSession>): Me {
    // Only sign-in stores a session in this sample, so every session has a user, a name and a role.
    return {
      userId: session.userId as string,
      name: session.get('name') as string,
      role: session.get('role') as string,
      sessionHandle: session.handle as string,
    };
  }

  @Mutation(() => Int, { description: 'Signs out every other session of this user; returns how many' })
  async signOutEverywhereElse(@CurrentSession() session: Session<AppSession>): Promise<number> {
    const revoked = await session.revokeOthers();
    this.devices.devicesChanged(session.userId);
    return revoked;
  }
}
