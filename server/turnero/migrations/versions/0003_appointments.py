"""appointments: opening hours, closures, appointments, branch check-in window

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('branches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_before_min', sa.Integer(), server_default='30', nullable=False))
        batch_op.add_column(sa.Column('checkin_after_min', sa.Integer(), server_default='10', nullable=False))

    op.create_table('opening_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('opens', sa.Time(), nullable=False),
    sa.Column('closes', sa.Time(), nullable=False),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_opening_hours_weekday_range')),
    sa.CheckConstraint('opens < closes', name=op.f('ck_opening_hours_opens_before_closes')),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_opening_hours_branch_id_branches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_hours'))
    )
    op.create_index('ix_opening_hours_branch_weekday', 'opening_hours', ['branch_id', 'weekday'], unique=False)

    op.create_table('branch_closures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.CheckConstraint('first_day <= last_day', name=op.f('ck_branch_closures_days_in_order')),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_branch_closures_branch_id_branches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_branch_closures'))
    )
    op.create_index('ix_branch_closures_branch_days', 'branch_closures', ['branch_id', 'first_day', 'last_day'], unique=False)

    op.create_table('appointments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('start_at', sa.DateTime(), nullable=False),
    sa.Column('end_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(), nullable=True),
    sa.Column('ticket_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reschedules', sa.Integer(), nullable=False),
    sa.Column('reminded_day_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_hour_at', sa.DateTime(), nullable=True),
    sa.Column('confirmation_queued', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_appointments_branch_id_branches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_appointments_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_appointments_customer_id_customers')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_appointments_service_id_services'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_seq'], ['tickets.seq'], name=op.f('fk_appointments_ticket_seq_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
    sa.UniqueConstraint('code', name=op.f('uq_appointments_code')),
    sa.UniqueConstraint('token', name=op.f('uq_appointments_token'))
    )
    op.create_index('ix_appointments_slot', 'appointments', ['branch_id', 'service_id', 'start_at', 'status'], unique=False)
    op.create_index('ix_appointments_customer', 'appointments', ['customer_id', 'status'], unique=False)
    op.create_index('ix_appointments_status_start', 'appointments', ['status', 'start_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_appointments_status_start', table_name='appointments')
    op.drop_index('ix_appointments_customer', table_name='appointments')
    op.drop_index('ix_appointments_slot', table_name='appointments')
    op.drop_table('appointments')
    op.drop_index('ix_branch_closures_branch_days', table_name='branch_closures')
    op.drop_table('branch_closures')
    op.drop_index('ix_opening_hours_branch_weekday', table_name='opening_hours')
    op.drop_table('opening_hours')
    with op.batch_alter_table('branches', schema=None) as batch_op:
        batch_op.drop_column('checkin_after_min')
        batch_op.drop_column('checkin_before_min')
